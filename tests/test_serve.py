"""`labeling serve` as a Label Studio ML backend, against the suite's real Label Studio and a real backend process.

- /predict gives exactly what `labeling preannotate` gives; the text field comes from the labeling config;
- `labeling backend connect` is idempotent and makes suggestions appear; Retrieve Predictions (the Data
  Manager action) gives every task one prediction of the backend's model_version, a second run none;
- bad input answers 4xx JSON and the server keeps running; basic auth keeps secrets out of argv;
- training runs in the background, one at a time; a failure keeps the old model, a success switches.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from labeling.scheme import default_scheme
from labeling.serve.app import create_app
from labeling.serve.connect import VersionFollower
from labeling.serve.model import ModelHolder, load_model
from labeling.serve.settings import ServeSettings
from labeling.serve.trainer import Trained, TrainingWorker
from labeling.studio import server
from labeling.studio.client import Studio
from labeling.studio.projects import ensure_project

from .conftest import REPO, run_cli
from .helpers import add_documents, raw_sdk

ARTICLES = REPO / "data" / "sample" / "articles"
MAX_CHARS = 20_000


def _wait_up(url: str, proc: subprocess.Popen, auth=None, timeout: float = 180) -> None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            raise AssertionError(f"labeling serve exited with {proc.returncode}")
        try:
            if httpx.get(url + "/health", auth=auth, timeout=2).status_code in (200, 401):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError("labeling serve did not answer /health in time")


def start_backend(env: dict[str, str], cwd: Path, *args: str) -> tuple[subprocess.Popen, str, Path]:
    port = server.free_port()
    log = cwd / f"serve-{port}.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "labeling", "serve", "--port", str(port), *args], env=env, cwd=cwd, stdout=fh, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    _wait_up(url, proc)
    return proc, url, log


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def backend(ls_env, tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """One real `labeling serve` process for the module (the pipeline loads once)."""
    cwd = tmp_path_factory.mktemp("serve")
    # --no-learn: these tests name project 1 of the shared server, whose annotations (tests/test_learn.py) would change the suggestions.
    proc, url, log = start_backend(ls_env, cwd, "--max-chars", str(MAX_CHARS), "--no-learn")
    yield url, log
    stop(proc)


@pytest.fixture(scope="module")
def reference(tmp_path_factory, ls_env) -> list[dict]:
    """`labeling preannotate` over eight sample articles: the tasks the backend must reproduce."""
    out = tmp_path_factory.mktemp("ref") / "tasks.jsonl"
    files = sorted(ARTICLES.glob("*.txt"))[:8]
    r = run_cli(["preannotate", *map(str, files), "-o", str(out), "--silent"], env=ls_env)
    assert r.returncode == 0, r.stderr
    return [json.loads(line) for line in out.read_text().splitlines()]


def predict(url: str, tasks: list[dict], label_config: str | None = None, **kw) -> httpx.Response:
    body = {"tasks": tasks, "project": "1.1700000000", "label_config": label_config or default_scheme().to_label_config(), "params": {}}
    return httpx.post(url + "/predict", json=body, timeout=120, **kw)


def new_project(studio: Studio, prefix: str, texts: list[str]) -> tuple[int, str]:
    title = f"{prefix} {uuid.uuid4().hex[:8]}"
    project = ensure_project(studio, default_scheme(), title=title).project
    studio.import_tasks(project.id, [{"data": {"text": t, "doc_id": f"d{i}"}} for i, t in enumerate(texts)])
    return project.id, title


# -- the protocol ---------------------------------------------------------------------


def test_predictions_and_model_version_equal_preannotate(backend, reference):
    url, _ = backend
    tasks = [{"id": 100 + i, "data": t["data"]} for i, t in enumerate(reference)]
    r = predict(url, tasks)
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert len(results) == len(reference)
    for got, task in zip(results, reference, strict=True):
        assert got == task["predictions"][0]  # result, score and model_version, item for item
    assert any(res["type"] == "relation" for got in results for res in got["result"])
    setup = httpx.post(url + "/setup", json={"project": "1.1", "schema": default_scheme().to_label_config()}, timeout=10)
    assert setup.json() == {"model_version": reference[0]["predictions"][0]["model_version"]}
    health = httpx.get(url + "/health", timeout=5).json()
    assert health["status"] == "UP" and health["model_version"] == reference[0]["predictions"][0]["model_version"]


def test_text_comes_from_the_field_the_labeling_config_names(backend, reference):
    url, _ = backend
    config = default_scheme().to_label_config().replace('name="text" value="$text"', 'name="body" value="$article"')
    config = config.replace('name="label" toName="text"', 'name="ner" toName="body"')
    r = predict(url, [{"id": 7, "data": {"article": reference[0]["data"]["text"], "text": "not this one"}}], config)
    assert r.status_code == 200, r.text
    (got,) = r.json()["results"]
    want = reference[0]["predictions"][0]
    spans = [x for x in got["result"] if x["type"] == "labels"]
    assert spans and all(x["from_name"] == "ner" and x["to_name"] == "body" for x in spans)
    assert [x["value"] for x in spans] == [x["value"] for x in want["result"] if x["type"] == "labels"]


def test_bad_input_answers_4xx_json_and_the_server_keeps_running(backend, reference):
    url, log = backend
    text = reference[0]["data"]["text"]
    wrong = default_scheme().to_label_config().replace('value="WEAPON"', 'value="VEHICLE"')
    cases = {
        "malformed JSON": lambda: httpx.post(url + "/predict", content=b'{"tasks": [', headers={"content-type": "application/json"}),
        "no text field": lambda: predict(url, [{"id": 1, "data": {"text": text}}, {"id": 2, "data": {"body": text}}]),
        "over --max-chars": lambda: predict(url, [{"id": 3, "data": {"text": "x" * (MAX_CHARS + 1)}}]),
        "labels not the scheme's": lambda: predict(url, [{"id": 4, "data": {"text": text}}], wrong),
        "setup with other labels": lambda: httpx.post(url + "/setup", json={"schema": wrong}),
        "unknown webhook action": lambda: httpx.post(url + "/webhook", json={"action": "MAKE_COFFEE", "project": {"id": 1}}),
        "tasks not a list": lambda: httpx.post(url + "/predict", json={"tasks": {"id": 1}}),
    }
    answers = {}
    for name, call in cases.items():
        r = call()
        assert 400 <= r.status_code < 500, (name, r.status_code, r.text)
        answers[name] = r.json()["error"]
        assert httpx.get(url + "/health", timeout=5).status_code == 200
    assert "task 2" in answers["no text field"] and "data.text" in answers["no text field"]
    assert "task 3" in answers["over --max-chars"] and "20,000" in answers["over --max-chars"]
    for name in ("labels not the scheme's", "setup with other labels"):
        assert "label WEAPON is in the scheme but not" in answers[name] and "label VEHICLE is in the labeling config but not" in answers[name]
    assert "MAKE_COFFEE" in answers["unknown webhook action"]
    assert "Traceback" not in log.read_text()
    ok = predict(url, [{"id": 5, "data": {"text": text}}])  # and it still predicts
    assert ok.status_code == 200 and ok.json()["results"][0] == reference[0]["predictions"][0]


# -- connected to Label Studio ----------------------------------------------------------


def test_connect_is_idempotent_and_retrieve_predictions_adds_one_per_task_once(backend, studio, ls_env, reference):
    url, _ = backend
    version = reference[0]["predictions"][0]["model_version"]
    texts = [t["data"]["text"] for t in reference]
    pid, title = new_project(studio, "serve: retrieve", texts)

    first = run_cli(["backend", "connect", "--project", title, "--url", url], env=ls_env)
    assert first.returncode == 0, first.stderr
    assert "connected the ML backend" in first.stdout and version in first.stdout
    second = run_cli(["backend", "connect", "--project", title, "--url", url], env=ls_env)
    assert second.returncode == 0 and "nothing changed" in second.stdout, second.stdout + second.stderr
    (ml,) = studio.ml_backends(pid)
    assert ml.url == url and ml.model_version == version
    assert studio.project_settings(pid) == {"show_collab_predictions": True, "model_version": version}

    studio.run_action(pid, "retrieve_tasks_predictions")
    held = studio.project_predictions(pid)
    assert len(held) == len(texts)
    by_text = {t["data"]["text"]: t["predictions"][0] for t in reference}
    tasks = {tid: data["text"] for tid, data in studio.iter_task_data(pid)}
    for task_id, preds in held.items():
        assert len(preds) == 1 and preds[0]["model_version"] == version
        assert preds[0]["result"] == by_text[tasks[task_id]]["result"]  # what `labeling preannotate` suggests, stored by Label Studio

    studio.run_action(pid, "retrieve_tasks_predictions")  # Label Studio skips tasks holding this model_version
    assert {tid: len(p) for tid, p in studio.project_predictions(pid).items()} == {tid: 1 for tid in held}

    status = run_cli(["backend", "status", "--project", title], env=ls_env)
    assert status.returncode == 0, status.stderr
    assert url in status.stdout and f"model_version {version}" in status.stdout and "training idle" in status.stdout


def test_opening_a_task_of_a_connected_project_gets_the_suggestions(backend, studio, ls_env, reference):
    url, _ = backend
    pid, title = new_project(studio, "serve: open", [reference[1]["data"]["text"]])
    assert run_cli(["backend", "connect", "--project", title, "--url", url], env=ls_env).returncode == 0
    (task_id, _), *_ = list(studio.iter_task_data(pid))
    assert studio.project_predictions(pid)[task_id] == []
    # What the labeling screen calls when an annotator opens the task.
    r = httpx.get(
        f"{studio.url}/api/tasks/{task_id}", headers={"Authorization": f"Token {server.load_credentials(Path(ls_env['LABELING_HOME'])).token}"}, timeout=60
    )
    assert r.status_code == 200
    (pred,) = r.json()["predictions"]
    assert pred["model_version"] == reference[1]["predictions"][0]["model_version"] and pred["result"] == reference[1]["predictions"][0]["result"]


def test_connect_names_a_missing_backend_and_a_missing_project(backend, studio, ls_env):
    url, _ = backend
    dead = f"http://127.0.0.1:{server.free_port()}"
    r = run_cli(["backend", "connect", "--project", "serve: nowhere", "--url", dead], env=ls_env)
    assert r.returncode == 1 and "No ML backend answers" in r.stderr and "labeling serve" in r.stderr
    r = run_cli(["backend", "connect", "--project", f"serve: no such project {uuid.uuid4().hex[:6]}", "--url", url], env=ls_env)
    assert r.returncode == 1 and "No project titled exactly" in r.stderr


def test_basic_auth_from_the_environment_only(studio, ls_env, tmp_path, reference):
    secret = f"pw-{uuid.uuid4().hex}"
    env = {**ls_env, "LABELING_SERVE_USER": "ls", "LABELING_SERVE_PASSWORD": secret}
    proc, url, log = start_backend(env, tmp_path)
    try:
        refused = httpx.get(url + "/health", timeout=5)
        assert refused.status_code == 401 and "error" in refused.json()
        assert httpx.get(url + "/health", auth=("ls", secret), timeout=5).status_code == 200
        assert httpx.get(url + "/health", auth=("ls", "wrong"), timeout=5).status_code == 401
        pid, title = new_project(studio, "serve: auth", [reference[2]["data"]["text"]])
        r = run_cli(["backend", "connect", "--project", title, "--url", url], env=env)
        assert r.returncode == 0, r.stderr
        studio.run_action(pid, "retrieve_tasks_predictions")  # Label Studio sends the credentials it was given
        assert [len(p) for p in studio.project_predictions(pid).values()] == [1]
        cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes().decode()
        assert secret not in cmdline and secret not in log.read_text() and secret not in r.stdout + r.stderr
    finally:
        stop(proc)


# -- training -----------------------------------------------------------------------------


class TinyTrainer:
    """A real training of a tiny spaCy pipeline (blank English + entity ruler learnt from "annotations").

    Stands in for `labeling.train` in the worker's state-machine tests; `gate` holds it in the
    'training' state until the test lets it finish; `fail` makes it raise.
    """

    def __init__(self, root: Path, fail: bool = False):
        self.root, self.fail, self.calls = root, fail, 0
        self.gate = threading.Event()

    def __call__(self, project_id: int) -> Trained:
        import spacy

        self.calls += 1
        assert self.gate.wait(60)
        if self.fail:
            raise RuntimeError("no annotations to learn from")
        nlp = spacy.blank("en")
        nlp.add_pipe("entity_ruler").add_patterns([{"label": "WEAPON", "pattern": "drones"}, {"label": "SOURCE", "pattern": "army"}])
        out = self.root / f"model-{self.calls}"
        nlp.to_disk(out)
        return Trained(out, f"tiny-{project_id}-{self.calls}")


@pytest.fixture(scope="module")
def rules_model():
    return load_model("rules")


def _client(rules_model, trainer, train_every: int = 0):
    from starlette.testclient import TestClient

    holder = ModelHolder(rules_model)
    worker = TrainingWorker(holder, trainer)
    return TestClient(create_app(holder, worker, ServeSettings(train_every=train_every))), worker


TEXT = 'The army said "three drones were shot down" near Kharkiv.'


def test_start_training_runs_in_the_background_one_at_a_time_then_switches(rules_model, tmp_path):
    trainer = TinyTrainer(tmp_path)
    client, worker = _client(rules_model, trainer)
    t0 = time.perf_counter()
    r = client.post("/webhook", json={"action": "START_TRAINING", "project": {"id": 5, "title": "x"}})
    assert r.status_code == 202 and time.perf_counter() - t0 < 1.0  # Label Studio waits about 1 s for a webhook
    again = client.post("/webhook", json={"action": "START_TRAINING", "project": {"id": 5}})
    assert again.json()["status"] == "already training"
    assert client.get("/health").json()["training"]["state"] == "training"
    during = client.post("/predict", json={"tasks": [{"id": 1, "data": {"text": TEXT}}]}).json()["results"][0]
    assert during["model_version"] == rules_model.model_version  # the old model keeps serving while it trains
    trainer.gate.set()
    assert worker.wait(60)
    health = client.get("/health").json()
    assert health["training"]["state"] == "succeeded" and health["model_version"] == "tiny-5-1" and trainer.calls == 1
    after = client.post("/predict", json={"tasks": [{"id": 1, "data": {"text": TEXT}}]}).json()["results"][0]
    assert after["model_version"] == "tiny-5-1"
    assert {(x["value"]["text"], x["value"]["labels"][0]) for x in after["result"]} == {("army", "SOURCE"), ("drones", "WEAPON")}
    assert client.post("/setup", json={"schema": default_scheme().to_label_config()}).json() == {"model_version": "tiny-5-1"}


def test_a_failed_training_keeps_serving_the_old_model_and_says_why(rules_model, tmp_path):
    trainer = TinyTrainer(tmp_path, fail=True)
    trainer.gate.set()
    client, worker = _client(rules_model, trainer)
    assert client.post("/train", json={"project": "9.1700000000", "annotations": []}).status_code == 202  # Start Training without the webhook flag
    assert worker.wait(60)
    health = client.get("/health").json()
    assert health["training"]["state"] == "failed" and "no annotations to learn from" in health["training"]["error"]
    assert health["model_version"] == rules_model.model_version
    r = client.post("/predict", json={"tasks": [{"id": 1, "data": {"text": TEXT}}]})
    assert r.status_code == 200 and r.json()["results"][0]["model_version"] == rules_model.model_version


def test_train_every_n_annotations(rules_model, tmp_path):
    trainer = TinyTrainer(tmp_path)
    trainer.gate.set()
    client, worker = _client(rules_model, trainer, train_every=3)
    event = {"action": "ANNOTATION_CREATED", "project": {"id": 2}, "annotation": {"id": 1}}
    assert [client.post("/webhook", json=event).json()["status"] for _ in range(3)] == ["counted", "counted", "training started"]
    assert worker.wait(60) and client.get("/health").json()["model_version"] == "tiny-2-1"
    assert client.post("/webhook", json={"action": "TASKS_CREATED", "project": {"id": 2}}).json() == {"status": "ignored"}


def _press_start_training(studio: Studio, url: str, pid: int) -> dict:
    """Label Studio's own Start Training (POST /api/ml/{id}/train); waits for the backend's background run."""
    before = httpx.get(url + "/health", timeout=5).json()
    (ml,) = studio.ml_backends(pid)
    raw_sdk(studio).ml.train(id=ml.id)
    health = httpx.get(url + "/health", timeout=5).json()
    assert health["training"]["runs"] == before["training"]["runs"] + 1 and health["training"]["project"] == pid
    deadline = time.monotonic() + 900
    while health["training"]["state"] == "training" and time.monotonic() < deadline:
        time.sleep(2)
        health = httpx.get(url + "/health", timeout=5).json()
    return health


def _memory_settled(health: dict, pid: int) -> bool:
    learning = health["learning"]
    return learning["pending"] == 0 and learning["projects"].get(str(pid), {}).get("built", False)


def test_a_project_ends_on_what_the_backend_serves_whichever_change_is_told_first(backend, studio, ls_env):
    """A memory update and a training's switch told at once, both after both happened (the order CI once hit)."""
    url, _ = backend
    pid, title = new_project(studio, "serve: follow", ["Rebels said they shelled the base."])
    assert run_cli(["backend", "connect", "--project", title, "--url", url], env=ls_env).returncode == 0
    served = {"model": httpx.get(url + "/health", timeout=5).json()["model_version"], "suffix": ""}
    follower = VersionFollower(lambda: served["model"], lambda _pid: served["suffix"], connect=lambda: studio)
    served["suffix"] = "+learned-0026-0123abcd"  # the memory's first build ...
    served["model"] = f"project-{pid}-v0001-89abcdef"  # ... and a finished training, neither told yet
    calls = [threading.Thread(target=follower.follow, args=(pid,)) for _ in range(2)]
    for t in calls:
        t.start()
    for t in calls:
        t.join()
    now = served["model"] + served["suffix"]
    assert [b.title for b in studio.ml_backends(pid)] == [now]
    assert studio.project_settings(pid)["model_version"] == now
    other, _ = new_project(studio, "serve: follow other", ["No backend here."])
    follower.follow(other)  # a project without our backend is left alone
    assert studio.project_settings(other)["model_version"] in ("", None)


def test_start_training_with_too_few_annotations_fails_clearly_and_keeps_serving(backend, studio, ls_env, reference):
    url, _ = backend
    pid, title = new_project(studio, "serve: train", [t["data"]["text"] for t in reference[:3]])
    assert run_cli(["backend", "connect", "--project", title, "--url", url], env=ls_env).returncode == 0
    (task_id, data), *_ = list(studio.iter_task_data(pid))
    start = data["text"].index(" ") + 1
    studio.create_annotation(
        task_id,
        [
            {
                "from_name": "label",
                "to_name": "text",
                "type": "labels",
                "value": {"start": 0, "end": start - 1, "text": data["text"][: start - 1], "labels": ["ACTOR"]},
            }
        ],
    )
    before = httpx.get(url + "/health", timeout=5).json()
    health = _press_start_training(studio, url, pid)
    assert health["training"]["state"] == "failed" and "too small to train" in health["training"]["error"]
    assert health["model_version"] == before["model_version"] and health["status"] == "UP"


def test_start_training_from_label_studio_switches_to_the_trained_model(studio, ls_env, tmp_path):
    """26 annotated sample documents: Start Training pulls, trains, and the backend serves the new model_version."""
    gold = [json.loads(l) for l in (REPO / "data" / "sample" / "gold.jsonl").read_text(encoding="utf-8").splitlines()]
    title = f"serve: trained {uuid.uuid4().hex[:8]}"
    pid = ensure_project(studio, default_scheme(), title=title).project.id
    add_documents(studio, pid, gold)
    # Two epochs instead of train.cfg's 25: a spaCy override passed through, as `labeling train` takes it.
    proc, url, _log = start_backend(ls_env, tmp_path, "--training.max_epochs", "2")
    try:
        assert run_cli(["backend", "connect", "--project", title, "--url", url], env=ls_env).returncode == 0
        before = httpx.get(url + "/health", timeout=5).json()
        health = _press_start_training(studio, url, pid)
        assert health["training"]["state"] == "succeeded", health["training"]
        assert health["model_version"].startswith(f"project-{pid}-v0001-") and health["model_version"] != before["model_version"]
        # The project follows the trained model plus its memory of the 26 annotations (labeling/learn/live.py),
        # whether the memory's first build finished before the training or after it.
        deadline = time.monotonic() + 120
        while not _memory_settled(health := httpx.get(url + "/health", timeout=5).json(), pid) and time.monotonic() < deadline:
            time.sleep(0.5)
        suffix = health["learning"]["projects"][str(pid)]["model_version_suffix"]
        assert suffix.startswith("+learned-0026-")
        assert studio.project_settings(pid)["model_version"] == health["model_version"] + suffix
        trained = tmp_path / "models" / f"project-{pid}-v0001"
        assert (trained / "eval.json").exists()
        assert json.loads((trained / "meta.json").read_text())["labeling"]["overrides"] == {"training.max_epochs": 2}
        r = predict(url, [{"id": 1, "data": {"text": gold[0]["text"]}}])
        assert r.status_code == 200 and r.json()["results"][0]["model_version"] == health["model_version"]
    finally:
        stop(proc)


def test_serve_help_names_the_auth_variables():
    r = run_cli(["serve", "--help"])
    assert r.returncode == 0 and "LABELING_SERVE_PASSWORD" in r.stdout and "Example: labeling serve" in " ".join(r.stdout.split())


def test_a_request_too_big_for_label_studios_timeout_is_refused_early_with_what_to_do(rules_model):
    from starlette.testclient import TestClient

    holder = ModelHolder(rules_model, batch_size=4)
    client = TestClient(create_app(holder, None, ServeSettings(predict_timeout=0.5)))
    texts = [p.read_text() for p in sorted(ARTICLES.glob("*.txt"))]
    tasks = [{"id": i, "data": {"text": f"Update {i}.\n\n{texts[i % len(texts)]}"}} for i in range(300)]
    t0 = time.perf_counter()
    r = client.post("/predict", json={"tasks": tasks})
    assert r.status_code == 413 and time.perf_counter() - t0 < 30  # stopped after a few batches, not after 300 tasks
    body = r.json()
    assert "300 tasks would take about" in body["error"] and "ML_TIMEOUT_PREDICT" in body["error"]
    assert "at most about" in body["hint"] and "--predict-timeout" in body["hint"]
    ok = client.post("/predict", json={"tasks": tasks[:2]})
    assert ok.status_code == 200 and len(ok.json()["results"]) == 2
