"""Pushes that run at the same time, and task files written by other tools, against the real Label Studio.

Real concurrent `labeling push` subprocesses; the project is checked through the API afterwards.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest

from labeling.records import content_hash
from labeling.scheme import default_scheme
from labeling.studio.projects import ensure_project

from .conftest import run_cli
from .helpers import make_tasks, write_jsonl

N = 600
NEW_N = 200  # the race on a new title is over the project's creation: a smaller file reaches it as well, 4 pushers in a third of the time


def unique(title: str) -> str:
    return f"{title} {uuid.uuid4().hex[:8]}"


def start_push(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "labeling", "push", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(procs: list[subprocess.Popen]) -> list[tuple[int, str, str]]:
    outputs = [p.communicate(timeout=600) for p in procs]
    return [(p.returncode, out, err) for p, (out, err) in zip(procs, outputs, strict=True)]


def doc_counts(studio, project_id: int) -> Counter:
    return Counter(str(s.data.get("doc_id")) for s in studio.iter_task_states(project_id))


@pytest.fixture(scope="module")
def tasks_file(tmp_path_factory) -> Path:
    return write_jsonl(tmp_path_factory.mktemp("conc") / "tasks.jsonl", make_tasks(N, prefix="conc"))


@pytest.fixture(scope="module")
def new_title_tasks(tmp_path_factory) -> Path:
    return write_jsonl(tmp_path_factory.mktemp("conc-new") / "tasks.jsonl", make_tasks(NEW_N, prefix="new"))


@pytest.mark.parametrize("pushers", [2, 4])
def test_simultaneous_pushes_into_a_new_title_make_one_project_with_one_task_per_document(studio, ls_env, new_title_tasks, pushers):
    title = unique("conc new")
    results = finish([start_push([str(new_title_tasks), "--project", title, "-q"], ls_env) for _ in range(pushers)])
    for code, _, stderr in results:
        assert code == 0, stderr
    (project,) = studio.projects_titled(title)
    counts = doc_counts(studio, project.id)
    assert len(counts) == NEW_N and set(counts.values()) == {1}
    assert project.task_count == NEW_N
    later = run_cli(["push", str(new_title_tasks), "--project", title], env=ls_env)  # the title still resolves
    assert later.returncode == 0 and f"created 0, already present {NEW_N}" in later.stdout, later.stderr


def test_simultaneous_pushes_into_an_existing_project(studio, ls_env, tasks_file, tmp_path):
    title = unique("conc existing")
    one = write_jsonl(tmp_path / "one.jsonl", make_tasks(1, prefix="conc"))
    assert run_cli(["push", str(one), "--project", title], env=ls_env).returncode == 0
    results = finish([start_push([str(tasks_file), "--project", title, "-q"], ls_env) for _ in range(2)])
    assert all(code == 0 for code, _, _ in results), [r[2] for r in results]
    (project,) = studio.projects_titled(title)
    counts = doc_counts(studio, project.id)
    assert len(counts) == N and set(counts.values()) == {1}
    created = sum(int(out.split("created ")[1].split(",")[0]) for _, out, _ in results)
    assert created >= N - 1  # each imported what it saw missing; the surplus was reconciled
    if created > N - 1:
        assert any("duplicate tasks made by a concurrent push" in out for _, out, _ in results)


RACE_N, RACE_BATCH, RACE_ROUNDS = 120, 10, 3  # reached the race in 3 of 4 rounds before the fix (docs/concurrency.md)


def removed_count(stdout: str) -> int:
    return int(stdout.split("removed ")[1].split(" duplicate")[0]) if "duplicate tasks made by a concurrent push" in stdout else 0


def created_count(stdout: str) -> int:
    return int(stdout.split("created ")[1].split(",")[0])


def assert_server_accepts_writes(studio) -> None:
    """A wedged SQLite Label Studio answers every write with `database is locked`: create, import, delete must all work."""
    project = ensure_project(studio, default_scheme(), title=unique("after race")).project
    (task_id,) = studio.import_tasks(project.id, make_tasks(1, prefix="after"))
    studio.delete_unannotated_tasks(project.id, [task_id])
    assert studio.get_project(project.id).task_count == 0


def race_into_existing_project(studio, ls_env, tmp_path: Path, n: int = RACE_N, batch: int = RACE_BATCH, rounds: int = RACE_ROUNDS) -> None:
    """Two pushes of the same n tasks, small batches, into a project that holds one of them: repeated, since the interleaving varies."""
    tasks = write_jsonl(tmp_path / "race.jsonl", make_tasks(n, prefix="race"))
    one = write_jsonl(tmp_path / "race-one.jsonl", make_tasks(1, prefix="race"))
    for attempt in range(rounds):
        title = unique(f"race {attempt}")
        assert run_cli(["push", str(one), "--project", title, "-q"], env=ls_env).returncode == 0
        results = finish([start_push([str(tasks), "--project", title, "-q", "--batch-count", str(batch)], ls_env) for _ in range(2)])
        assert all(code == 0 for code, _, _ in results), [err for _, _, err in results]
        (project,) = studio.projects_titled(title)
        counts = doc_counts(studio, project.id)
        assert len(counts) == n and max(counts.values()) == 1, f"round {attempt}: {sum(counts.values())} tasks for {n} documents"
        assert project.task_count == n
        made = 1 + sum(created_count(out) for _, out, _ in results)
        assert sum(removed_count(out) for _, out, _ in results) == made - n, [out for _, out, _ in results]  # no task counted by both
    assert_server_accepts_writes(studio)


def test_two_pushes_with_small_batches_into_an_existing_project_converge(studio, ls_env, tmp_path):
    race_into_existing_project(studio, ls_env, tmp_path)


def test_a_duplicate_holding_an_annotation_is_kept_and_reported(studio, ls_env, tmp_path):
    """What a race leaves: documents imported twice; annotators already worked on some copies."""
    title = unique("conc annotated")
    project = ensure_project(studio, default_scheme(), title=title).project
    tasks = make_tasks(4, prefix="ann")
    first = studio.import_tasks(project.id, tasks)
    second = studio.import_tasks(project.id, tasks)  # the concurrent push's copies, higher ids
    region = {"id": "a1", "from_name": "label", "to_name": "text", "type": "labels", "value": {"start": 0, "end": 6, "text": "Report", "labels": ["ACTOR"]}}
    both = (first[0], second[0])  # ann-00000: both copies annotated
    for task_id in both:
        studio.create_annotation(task_id, result=[region])
    studio.create_annotation(second[1], result=[region])  # ann-00001: only the higher id annotated

    r = run_cli(["push", str(write_jsonl(tmp_path / "t.jsonl", tasks)), "--project", title], env=ls_env)
    assert r.returncode == 1
    assert f"ann-00000: tasks {both[0]}, {both[1]}" in r.stderr and "Nothing annotated was deleted" in r.stderr
    assert "removed 3 duplicate tasks made by a concurrent push" in r.stdout
    states = {s.id: s for s in studio.iter_task_states(project.id)}
    assert set(states) == {first[0], second[0], second[1], first[2], first[3]}  # annotated copies kept, lowest ids otherwise
    assert all(states[t].annotations == 1 for t in (first[0], second[0], second[1]))


def test_killing_one_of_two_concurrent_pushes_then_rerunning_ends_with_exactly_n(studio, ls_env, tmp_path):
    n = 3000
    title = unique("conc kill")
    big = write_jsonl(tmp_path / "big.jsonl", make_tasks(n, prefix="kill"))
    victim = start_push([str(big), "--project", title, "-q", "--batch-count", "100"], ls_env)
    survivor = start_push([str(big), "--project", title, "-q", "--batch-count", "100"], ls_env)
    deadline = time.time() + 300
    while time.time() < deadline:
        found = studio.projects_titled(title)
        if found and sum(p.task_count for p in found) >= 300:
            break
        time.sleep(0.2)
    assert victim.poll() is None, victim.communicate()[1] or "the push finished before it could be killed; raise n"
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    code, _, stderr = finish([survivor])[0]
    assert code == 0, stderr
    rerun = run_cli(["push", str(big), "--project", title], env=ls_env)
    assert rerun.returncode == 0, rerun.stderr
    (project,) = studio.projects_titled(title)
    counts = doc_counts(studio, project.id)
    assert len(counts) == n and set(counts.values()) == {1}


def test_foreign_tasks_file_pushes_once_and_repushes_as_a_no_op(studio, ls_env, tmp_path):
    """Label Studio tasks written by other tools: no doc_id, no content_hash, predictions of their own."""
    title = unique("foreign")
    rows = [
        {"data": {"text": "Rebels fired rockets at the base.\r\nNo one was hurt."}},
        {"data": {"text": "The ministry said drones were downed.", "id": "wire-7"}, "predictions": [
            {"model_version": "other-tool-1", "result": [{"from_name": "label", "to_name": "text", "type": "labels",
                                                          "value": {"start": 4, "end": 12, "text": "ministry", "labels": ["SOURCE"]}}]}]},
        {"data": {"text": "Militants shelled the town.", "outlet": "x"}},
    ]  # fmt: skip
    path = tmp_path / "foreign.jsonl"
    path.write_text("".join(json.dumps(t) + "\n" for t in rows))
    first = run_cli(["push", str(path), "--project", title], env=ls_env)
    assert first.returncode == 0, first.stderr
    assert "created 3, already present 0" in first.stdout
    (project,) = studio.projects_titled(title)
    held = {str(s.data["doc_id"]): s.data for s in studio.iter_task_states(project.id)}
    digest = content_hash("Rebels fired rockets at the base.\nNo one was hurt.")  # hashed on the normalised text
    assert set(held) == {"wire-7", f"sha256-{digest[:16]}", f"sha256-{content_hash('Militants shelled the town.')[:16]}"}
    assert held[f"sha256-{digest[:16]}"]["text"].endswith("\r\nNo one was hurt.")  # the text itself is not changed
    assert studio.model_versions(project.id) == ["other-tool-1"]
    for _ in range(2):
        again = run_cli(["push", str(path), "--project", title], env=ls_env)
        assert again.returncode == 0 and "created 0, already present 3, predictions added 0" in again.stdout, again.stderr


def test_foreign_tasks_with_the_text_under_another_key(studio, ls_env, tmp_path):
    title = unique("foreign body")
    path = tmp_path / "body.jsonl"
    path.write_text(json.dumps({"data": {"body": "Artillery hit the depot."}}) + "\n" + json.dumps({"data": {"headline": "no text"}}) + "\n")
    bad = run_cli(["push", str(path), "--project", title, "--text-field", "body"], env=ls_env)
    assert bad.returncode == 1 and f"{path}:2" in bad.stderr and "data.body" in bad.stderr
    assert studio.projects_titled(title) == []  # stopped before touching Label Studio
    path.write_text(json.dumps({"data": {"body": "Artillery hit the depot."}}) + "\n")
    ok = run_cli(["push", str(path), "--project", title, "--text-field", "body"], env=ls_env)
    assert ok.returncode == 0 and "created 1" in ok.stdout, ok.stderr
    (state,) = studio.iter_task_states(studio.projects_titled(title)[0].id)
    assert state.data["text"] == "Artillery hit the depot."  # shown by the project's <Text value="$text">
