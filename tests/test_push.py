"""Push against the real Label Studio of the suite: idempotent, resumable, model-version aware."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest

from labeling.errors import InputError
from labeling.push.tasks import push_tasks, read_tasks
from labeling.scheme import default_scheme
from labeling.studio.projects import ensure_project

from .conftest import REPO, run_cli
from .helpers import make_tasks, project_tasks, raw_sdk, write_jsonl


def test_first_push_creates_tasks_with_visible_predictions_second_creates_none(studio, ls_env, tmp_path):
    tasks_file = write_jsonl(tmp_path / "tasks.jsonl", make_tasks(40))
    first = run_cli(["push", str(tasks_file), "--project", "push: twice", "--batch-count", "15"], env=ls_env)
    assert first.returncode == 0, first.stderr
    assert "created 40, already present 0" in first.stdout and "(3 requests" in first.stdout

    project = studio.find_project("push: twice")
    assert project.task_count == 40 and project.model_version == "toy-v1"
    held = project_tasks(studio, project.id)
    assert sorted(t["data"]["doc_id"] for t in held) == [f"doc-{i:05d}" for i in range(40)]
    one = next(t for t in held if t["data"]["doc_id"] == "doc-00007")
    (pred,) = one["predictions"]
    assert pred["model_version"] == "toy-v1"
    regions = {r["value"]["text"]: r["value"]["labels"] for r in pred["result"] if r["type"] == "labels"}
    assert regions == {"7 drones were shot down": ["CLAIM"], "army": ["SOURCE"]}
    assert any(r["type"] == "relation" and r["labels"] == ["attributed_to"] for r in pred["result"])

    for _ in range(2):
        again = run_cli(["push", str(tasks_file), "--project", "push: twice"], env=ls_env)
        assert again.returncode == 0, again.stderr
        assert "created 0, already present 40, predictions added 0" in again.stdout
    assert studio.find_project("push: twice").task_count == 40


def test_new_model_version_adds_predictions_not_tasks_and_keeps_annotations(studio, tmp_path):
    scheme = default_scheme()
    project = ensure_project(studio, scheme, title="push: model versions").project
    push_tasks(iter(make_tasks(12)), studio, project.id)
    held = project_tasks(studio, project.id)
    annotated = held[0]
    result = [{"id": "manual1", "from_name": "label", "to_name": "text", "type": "labels", "origin": "manual",
               "value": {"start": 0, "end": 6, "text": "Report", "labels": ["ACTOR"]}}]  # fmt: skip
    studio.create_annotation(annotated["id"], result=result, lead_time=3.5)

    summary = push_tasks(iter(make_tasks(12, model_version="toy-v2")), studio, project.id)
    assert (summary.created, summary.predictions_added, summary.present) == (0, 12, 12)  # the 12 documents were present
    after = {t["id"]: t for t in project_tasks(studio, project.id)}
    assert len(after) == 12
    assert all(sorted(p["model_version"] for p in t["predictions"]) == ["toy-v1", "toy-v2"] for t in after.values())
    (ann,) = after[annotated["id"]]["annotations"]
    assert ann["result"] == result
    assert studio.get_project(project.id).model_version == "toy-v2"

    # Pushing v2 again changes nothing.
    summary = push_tasks(iter(make_tasks(12, model_version="toy-v2")), studio, project.id)
    assert (summary.created, summary.predictions_added, summary.present) == (0, 0, 12)


def test_changed_text_and_repeated_documents_are_skipped_with_reasons(studio):
    project = ensure_project(studio, default_scheme(), title="push: skips").project
    push_tasks(iter(make_tasks(3)), studio, project.id)
    changed = make_tasks(1, prefix="other")[0]
    changed["data"]["doc_id"] = "doc-00001"  # same id, other text
    repeated = make_tasks(1, prefix="new")
    summary = push_tasks(iter([changed, *repeated, *repeated]), studio, project.id)
    assert summary.created == 1
    reasons = dict(summary.skipped)
    assert "text differs from task" in reasons["doc-00001"]
    assert "appears twice" in reasons["new-00000"]
    assert studio.get_project(project.id).task_count == 4


def test_batches_are_bounded_by_bytes(studio):
    project = ensure_project(studio, default_scheme(), title="push: bytes").project
    tasks = make_tasks(10)
    one = len(json.dumps(tasks[0]).encode())
    summary = push_tasks(iter(tasks), studio, project.id, batch_count=1000, batch_bytes=one * 3 + 10)
    assert summary.created == 10 and summary.requests == 4  # 3 + 3 + 3 + 1


def test_push_killed_midway_then_rerun_ends_with_exactly_n(studio, ls_env, tmp_path):
    n = 600
    tasks_file = write_jsonl(tmp_path / "tasks.jsonl", make_tasks(n, prefix="kill"))
    title = "push: killed"
    cmd = [sys.executable, "-m", "labeling", "push", str(tasks_file), "--project", title, "--batch-count", "20", "--silent"]
    proc = subprocess.Popen(cmd, env=ls_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    count = 0
    while time.monotonic() < deadline and proc.poll() is None:
        project = studio.find_project(title)
        count = project.task_count if project else 0
        if count >= 100:
            break
        time.sleep(0.2)
    assert proc.poll() is None, "push finished before it could be killed; raise n"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = studio.find_project(title).task_count
    assert 0 < partial < n

    rerun = run_cli(["push", str(tasks_file), "--project", title], env=ls_env)
    assert rerun.returncode == 0, rerun.stderr
    project = studio.find_project(title)
    assert project.task_count == n
    doc_ids = [t["data"]["doc_id"] for t in project_tasks(studio, project.id)]
    assert len(doc_ids) == len(set(doc_ids)) == n


def test_config_conflict_lists_differences_and_touches_nothing(studio, ls_env, tmp_path):
    sdk = raw_sdk(studio)
    old_config = default_scheme().to_label_config().replace('value="WEAPON"', 'value="ARMS"')
    project = sdk.projects.create(title="push: conflict", label_config=old_config)
    text = "Rebels fired rockets."
    task_ids = studio.import_tasks(project.id, [{"data": {"text": text, "doc_id": "old", "content_hash": "x"}}])
    studio.create_annotation(task_ids[0], result=[{"id": "r1", "from_name": "label", "to_name": "text", "type": "labels",
                                                   "value": {"start": 14, "end": 21, "text": "rockets", "labels": ["ARMS"]}}])  # fmt: skip
    tasks_file = write_jsonl(tmp_path / "tasks.jsonl", make_tasks(3))
    r = run_cli(["push", str(tasks_file), "--project", "push: conflict"], env=ls_env)
    assert r.returncode == 1
    assert "label WEAPON is in the scheme but not in the project" in r.stderr
    assert "label ARMS is in the project but not in the scheme" in r.stderr
    assert "Nothing was changed" in r.stderr and "Traceback" not in r.stderr
    after = studio.get_project(project.id)
    assert after.label_config == sdk.projects.get(id=project.id).label_config and 'value="ARMS"' in after.label_config
    assert after.task_count == 1


def test_config_update_that_label_studio_accepts_is_applied(studio, ls_env, tmp_path):
    sdk = raw_sdk(studio)
    no_weapon = default_scheme().to_label_config()
    no_weapon = "\n".join(line for line in no_weapon.splitlines() if 'value="WEAPON"' not in line)
    project = sdk.projects.create(title="push: config update", label_config=no_weapon)
    r = run_cli(["push", str(write_jsonl(tmp_path / "t.jsonl", make_tasks(2))), "--project", "push: config update"], env=ls_env)
    assert r.returncode == 0, r.stderr
    assert "label WEAPON is in the scheme but not in the project" in r.stdout
    assert 'value="WEAPON"' in studio.get_project(project.id).label_config


def test_raw_documents_are_preannotated_on_the_way(studio, ls_env, tmp_path):
    articles = REPO / "data" / "sample" / "articles"
    r = run_cli(["push", str(articles), "--project", "push: raw"], env=ls_env)
    assert r.returncode == 0, r.stderr
    n = len(list(articles.glob("*.txt")))
    assert f"created {n}," in r.stdout
    held = project_tasks(studio, studio.find_project("push: raw").id)
    assert len(held) == n
    assert sum(len(t["predictions"][0]["result"]) for t in held) > n  # real suggestions, not empty predictions
    crlf = next(t for t in held if t["data"]["doc_id"] == "wire-006")
    assert "\r" not in crlf["data"]["text"]


def test_wrong_url_and_wrong_token_give_clear_errors(ls_server, ls_env, tmp_path):
    tasks_file = write_jsonl(tmp_path / "tasks.jsonl", make_tasks(1))
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
        r = run_cli(["push", str(tasks_file), "--project", "x"], env={**ls_env, "LABEL_STUDIO_URL": dead, "LABEL_STUDIO_API_KEY": "k" * 40})
    assert r.returncode == 1 and "Cannot reach Label Studio" in r.stderr and "labeling server start" in r.stderr
    r = run_cli(["push", str(tasks_file), "--project", "x"], env={**ls_env, "LABEL_STUDIO_URL": ls_server.url, "LABEL_STUDIO_API_KEY": "k" * 40})
    assert r.returncode == 1 and "refused the API token" in r.stderr
    for out in (r.stdout, r.stderr):
        assert "k" * 40 not in out
    assert "Traceback" not in r.stderr


def test_bad_tasks_file_names_the_line(ls_env, tmp_path):
    bad = tmp_path / "tasks.jsonl"
    bad.write_text(json.dumps(make_tasks(1)[0]) + "\n{not json\n")
    r = run_cli(["push", str(bad), "--project", "push: bad file"], env=ls_env)
    assert r.returncode == 1 and f"{bad}:2" in r.stderr
    assert "project" not in r.stdout.lower()  # stopped before touching Label Studio
    with pytest.raises(InputError):
        list(read_tasks(bad))


def test_a_tasks_file_and_a_folder_of_articles_push_from_urls(studio, ls_env, tmp_path):
    """fsspec URLs (file:// here) push exactly what the same paths push: a re-push by path creates nothing."""
    tasks_file = write_jsonl(tmp_path / "tasks.jsonl", make_tasks(6))
    first = run_cli(["push", tasks_file.as_uri(), "--project", "push: urls"], env=ls_env)
    assert first.returncode == 0, first.stderr
    assert "created 6, already present 0" in first.stdout
    again = run_cli(["push", str(tasks_file), "--project", "push: urls"], env=ls_env)
    assert "created 0, already present 6" in again.stdout

    articles = REPO / "data" / "sample" / "articles"
    docs = run_cli(["push", articles.as_uri(), "--project", "push: urls"], env=ls_env)
    assert docs.returncode == 0, docs.stderr
    assert "created 26, already present 0" in docs.stdout  # read through fsspec and pre-annotated on the way
    assert studio.find_project("push: urls").task_count == 32
