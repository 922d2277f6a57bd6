"""The project memory (labeling/learn/) against the suite's real Label Studio.

Annotators' corrections go through the API (with parent_prediction, as the UI submits
them): they mark "green men" as ACTOR (the rules miss it) and delete the rules'
ACTOR "Pentagon". Then:
- `preannotate --learn-from` suggests "green men" in an unseen document and no longer
  suggests "Pentagon" as ACTOR; its model_version names the memory;
- `learned` lists the evidence, leaves out a cancelled annotation, counts a region whose
  text does not match; `--export` is a gazetteer the pre-annotator loads;
- a live backend connected to a project learns from the webhook Label Studio itself
  sends, the next task opened gets the taught span under a new model_version, and a
  restarted backend gives the same suggestions.
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
from pathlib import Path

import httpx
import pytest

from labeling.scheme import default_scheme
from labeling.studio import server
from labeling.studio.client import Studio
from labeling.studio.projects import ensure_project

from .conftest import REPO, run_cli
from .helpers import region
from .test_serve import start_backend, stop

TAUGHT = "green men"
DELETED = "Pentagon"
TEXTS = [
    "The Pentagon said two drones struck the depot on Monday. The green men crossed the river at dawn, witnesses said.",
    "Local officials said the green men had left the village. The Pentagon declined to comment on the report.",
]
UNSEEN = "Residents said the green men returned overnight. The Pentagon said it was monitoring the situation near the border."


def corrected(text: str, prediction: list[dict]) -> list[dict]:
    """The annotator's correction: the prediction without the ACTOR "Pentagon", plus ACTOR "green men"."""
    dropped = {r["id"] for r in prediction if r.get("type") == "labels" and r["value"]["text"] == DELETED and r["value"]["labels"] == ["ACTOR"]}
    kept = [r for r in prediction if r.get("id") not in dropped and not (r.get("type") == "relation" and {r["from_id"], r["to_id"]} & dropped)]
    start = text.index(TAUGHT)
    return [*kept, region(text, f"t{start}", start, start + len(TAUGHT), "ACTOR")]


def actors(task: dict) -> set[str]:
    (pred,) = task["predictions"]
    return {r["value"]["text"] for r in pred["result"] if r.get("type") == "labels" and r["value"]["labels"] == ["ACTOR"]}


@pytest.fixture(scope="module")
def taught(studio: Studio, ls_env, tmp_path_factory) -> str:
    """A project whose two documents annotators corrected; a cancelled annotation and a mismatched region on a third."""
    work = tmp_path_factory.mktemp("learn")
    title = f"learn {uuid.uuid4().hex[:8]}"
    docs = work / "docs.jsonl"
    skipped = "Observers said the blue helmets stayed in their barracks."
    docs.write_text("".join(json.dumps({"id": f"d{i}", "text": t}) + "\n" for i, t in enumerate([*TEXTS, skipped, UNSEEN])))
    r = run_cli(["push", str(docs), "--project", title, "--silent"], env=ls_env)
    assert r.returncode == 0, r.stderr
    project = studio.find_project(title)
    assert project is not None
    for task_id, data in studio.iter_task_data(project.id):
        (pred,) = studio.task_predictions(task_id)
        pred_id = studio.prediction_id(task_id, pred["model_version"])
        text = data["text"]
        if text == UNSEEN:
            continue  # nobody has annotated it yet
        if text == skipped:
            start = text.index("blue helmets")
            studio.create_annotation(task_id, result=[region(text, "b", start, start + 12, "ACTOR")], was_cancelled=True, parent_prediction=pred_id)
            continue
        result = corrected(text, pred["result"])
        if text == TEXTS[1]:
            result.append(region(text, "bad", 0, 5, "ACTOR", stored="Wrong"))  # stored text not the text at its offsets
        studio.create_annotation(task_id, result=result, lead_time=5.0, parent_prediction=pred_id)
    return title


def test_preannotate_learn_from_suggests_what_was_taught_and_not_what_was_deleted(taught, ls_env, tmp_path):
    unseen = tmp_path / "unseen.jsonl"
    unseen.write_text(json.dumps({"id": "u1", "text": UNSEEN}) + "\n")
    rules, learned = tmp_path / "rules.jsonl", tmp_path / "learned.jsonl"
    assert run_cli(["preannotate", str(unseen), "-o", str(rules), "--silent"], env=ls_env).returncode == 0
    r = run_cli(["preannotate", str(unseen), "-o", str(learned), "--learn-from", taught], env=ls_env)
    assert r.returncode == 0, r.stderr
    assert "2 submitted annotations" in r.stderr and "1 cancelled" in r.stderr
    before, after = (json.loads(p.read_text()) for p in (rules, learned))
    base = before["predictions"][0]["model_version"]
    assert TAUGHT not in actors(before) and DELETED in actors(before)  # the rules miss one and suggest the other
    version = after["predictions"][0]["model_version"]
    assert version.startswith(base + "+learned-0002-") and len(version) == len(base) + len("+learned-0002-") + 8
    assert TAUGHT in actors(after) and DELETED not in actors(after)
    claims = [x for x in after["predictions"][0]["result"] if x.get("type") == "labels" and x["value"]["labels"] == ["CLAIM"]]
    assert claims and [x for x in after["predictions"][0]["result"] if x.get("type") == "relation"]  # relations stay the rules'


def test_push_refresh_gives_unannotated_tasks_the_newest_suggestions_once(taught, studio, ls_env):
    r = run_cli(["push", "--refresh", "--project", taught, "--learn-from", taught, "--silent"], env=ls_env)
    assert r.returncode == 0, r.stderr
    assert "1 tasks without annotations, 1 new suggestions" in r.stdout, r.stdout
    project = studio.find_project(taught)
    assert project is not None
    (task_id,) = [tid for tid, data in studio.iter_task_data(project.id) if data["text"] == UNSEEN]
    preds = studio.task_predictions(task_id)
    assert len(preds) == 2 and "+learned-0002-" in preds[-1]["model_version"]
    assert TAUGHT in actors({"predictions": preds[-1:]}) and DELETED not in actors({"predictions": preds[-1:]})
    again = run_cli(["push", "--refresh", "--project", taught, "--learn-from", taught, "--silent"], env=ls_env)
    assert again.returncode == 0 and "0 new suggestions, 1 already current" in again.stdout, again.stdout


def test_learned_lists_the_evidence_and_exports_a_gazetteer_the_preannotator_loads(taught, ls_env, tmp_path):
    export = tmp_path / "actors.toml"
    r = run_cli(["learned", taught, "--export", str(export)], env=ls_env)
    assert r.returncode == 0, r.stderr
    assert f"ACTOR   '{TAUGHT}': labelled 2, seen 2, rejected 0" in r.stdout
    assert f"ACTOR   '{DELETED}': labelled 0, rejected 2" in r.stdout
    assert "blue helmets" not in r.stdout  # cancelled: never counts
    assert "1 regions skipped" in r.stderr
    configs = tmp_path / "configs"
    shutil.copytree(REPO / "configs", configs)
    shutil.copy(export, configs / "actors.toml")
    unseen = tmp_path / "unseen.txt"
    unseen.write_text(UNSEEN)
    out = tmp_path / "tasks.jsonl"
    r = run_cli(["preannotate", str(unseen), "-o", str(out), "--silent"], env={**ls_env, "LABELING_CONFIGS": str(configs)})
    assert r.returncode == 0, r.stderr
    assert TAUGHT in actors(json.loads(out.read_text()))


def test_an_unknown_project_fails_and_an_empty_one_says_the_memory_is_empty(studio, ls_env):
    r = run_cli(["learned", f"no such project {uuid.uuid4().hex[:6]}"], env=ls_env)
    assert r.returncode != 0 and "No project titled" in r.stderr
    title = f"learn empty {uuid.uuid4().hex[:8]}"
    ensure_project(studio, default_scheme(), title=title)
    r = run_cli(["learned", title], env=ls_env)
    assert r.returncode == 0 and "the memory is empty, suggestions are the rules'" in r.stderr, r.stderr


def _health(url: str) -> dict:
    return httpx.get(url + "/health", timeout=10).json()


def _wait(check, what: str, timeout: float = 120):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if value := check():
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_live_backend_learns_from_label_studios_webhook_and_a_restart_keeps_it(studio, ls_env, tmp_path):
    proc, url, _ = start_backend(ls_env, tmp_path, "--learn-dir", str(tmp_path / "learned"))
    try:
        title = f"learn live {uuid.uuid4().hex[:8]}"
        project = ensure_project(studio, default_scheme(), title=title).project
        first, unseen = studio.import_tasks(project.id, [{"data": {"text": TEXTS[0]}}, {"data": {"text": UNSEEN}}])
        assert run_cli(["backend", "connect", "--project", title, "--url", url], env=ls_env).returncode == 0
        pid = str(project.id)
        _wait(lambda: _health(url)["learning"]["projects"].get(pid, {}).get("built"), "the first build")
        base = _health(url)["model_version"]

        start = TEXTS[0].index(TAUGHT)
        studio.create_annotation(first, result=[region(TEXTS[0], "g", start, start + len(TAUGHT), "ACTOR")], lead_time=3.0)
        # Label Studio delivers ANNOTATION_CREATED to the backend's /webhook itself.
        suffix = _wait(lambda: _health(url)["learning"]["projects"][pid]["model_version_suffix"], "the webhook's update")
        assert suffix.startswith("+learned-0001-")
        _wait(lambda: studio.project_settings(project.id)["model_version"] == base + suffix, "the project to follow the memory")

        token = server.load_credentials(Path(ls_env["LABELING_HOME"])).token
        r = httpx.get(f"{studio.url}/api/tasks/{unseen}", headers={"Authorization": f"Token {token}"}, timeout=60)  # an annotator opens the next task
        assert r.status_code == 200
        (pred,) = r.json()["predictions"]
        assert pred["model_version"] == base + suffix
        assert TAUGHT in {x["value"]["text"] for x in pred["result"] if x.get("type") == "labels" and x["value"]["labels"] == ["ACTOR"]}

        bad = httpx.post(url + "/webhook", json={"action": "ANNOTATION_CREATED", "project": {"id": 999999}, "annotation": {"task": 1}}, timeout=10)
        assert bad.status_code == 404 and "not served" in bad.json()["error"]
        assert _health(url)["status"] == "UP"
    finally:
        stop(proc)

    proc, url, _ = start_backend(ls_env, tmp_path, "--learn-dir", str(tmp_path / "learned"))
    try:
        body = {"tasks": [{"id": unseen, "data": {"text": UNSEEN}}], "project": f"{pid}.1", "label_config": default_scheme().to_label_config()}
        again = httpx.post(url + "/predict", json=body, timeout=60).json()["results"][0]
        assert again["model_version"] == pred["model_version"] and again["result"] == pred["result"]
    finally:
        stop(proc)


# -- incremental counting (no Label Studio needed) ------------------------------------------

WORDS = ["Wagner", "Wagner Group", "Group", "the army", "army", "Kyiv", "said", "on", "Monday", "-", "al-Nusra", "Nusra"]


def _random_task(rng, task_id: int, next_id: list[int]):
    from labeling.learn.memory import AnnotationRow

    parts = [rng.choice(WORDS) for _ in range(rng.randint(3, 12))]
    text = " ".join(parts)
    starts, pos = [], 0
    for p in parts:
        starts.append((pos, pos + len(p)))
        pos += len(p) + 1
    rows = []
    for _ in range(rng.randint(0, 3)):
        if rng.random() < 0.2:
            aid = rng.randrange(max(1, next_id[0]))  # an id another task may hold: it moves here
        else:
            aid = next_id[0] = next_id[0] + 1
        pick = lambda k: tuple((s, e, rng.choice(["ACTOR", "WEAPON", "CLAIM"])) for s, e in rng.sample(starts, min(k, len(starts))))  # noqa: E731
        rows.append(AnnotationRow(aid, task_id, text, pick(rng.randint(0, 3)), pick(rng.randint(0, 3)), pick(rng.randint(0, 1))))
    return task_id, text, rows


def test_the_stores_incremental_counts_equal_a_recount_after_every_change(tmp_path):
    import random

    from labeling.learn.memory import Memory
    from labeling.learn.store import MemoryStore

    rng = random.Random(22)
    path = tmp_path / "memory.sqlite"
    store = MemoryStore(path)
    next_id = [0]
    for step in range(150):
        if rng.random() < 0.25:
            store.delete_annotations(rng.sample(range(next_id[0] + 2), rng.randint(1, 3)))
        else:
            store.replace_tasks([_random_task(rng, rng.randrange(8), next_id) for _ in range(rng.randint(1, 3))])
        live, truth = store.memory(), Memory.from_rows(list(store.rows()))
        assert (live.evidence, live.annotations, live.fingerprint()) == (truth.evidence, truth.annotations, truth.fingerprint()), step
        if step % 50 == 49:  # a restart counts the rows again and agrees
            store.close()
            store = MemoryStore(path)
            assert store.memory().evidence == truth.evidence
    assert truth.annotations > 5 and any(e.seen > e.labelled for e in truth.evidence.values())
    store.close()


def test_seen_counts_each_key_on_its_own_whatever_other_keys_exist():
    from labeling.learn.memory import AnnotationRow, Memory

    text = "Wagner Group fighters met Wagner officials; the Wagner-Group deal"
    alone = Memory.from_rows([AnnotationRow(1, 1, text, ((26, 32, "ACTOR"),), ())])
    both = Memory.from_rows([AnnotationRow(1, 1, text, ((26, 32, "ACTOR"), (0, 12, "ACTOR")), ())])
    assert alone.evidence[("Wagner", "ACTOR")].seen == 3  # inside "Wagner Group" too, and before a hyphen
    assert both.evidence[("Wagner", "ACTOR")].seen == 3
    assert both.evidence[("Wagner Group", "ACTOR")].seen == 1  # "Wagner-Group" is not the key
