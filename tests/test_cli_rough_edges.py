"""The mistakes a new user makes get an answer that says what to do next."""

from __future__ import annotations

import re
import socket

from labeling.scheme import default_scheme
from labeling.studio.projects import ensure_project

from .conftest import REPO, run_cli


def test_serve_on_a_taken_port_names_a_free_one_before_loading_anything(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = run_cli(["serve", "--port", str(port)], cwd=tmp_path, timeout=120)
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert f"Port {port} on 127.0.0.1 is already in use" in r.stderr
    suggested = int(re.search(r"labeling serve --port (\d+)", r.stderr).group(1))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", suggested))  # the suggestion is free
    assert "Errno 98" not in r.stderr and "Traceback" not in r.stderr


def test_an_unknown_input_type_lists_the_supported_ones(tmp_path):
    notes = tmp_path / "notes.md"
    notes.write_text("# Notes\nRebels shelled the town.\n")
    r = run_cli(["preannotate", str(notes), "-o", str(tmp_path / "tasks.jsonl")])
    assert r.returncode == 1
    text = " ".join(r.stderr.split())
    assert "unknown file type '.md'" in text and "Supported inputs: .txt" in text and ".jsonl" in text and ".csv" in text
    assert "--skip-invalid" not in text
    assert not (tmp_path / "tasks.jsonl").exists()


def test_pull_names_the_existing_projects_nearest_first(studio, ls_env, tmp_path):
    for title in ("rough: zebra archive", "rough: Conflict news"):
        ensure_project(studio, default_scheme(), title=title)
    r = run_cli(["pull", "--project", "rough: Conflict nwes", "--dataset", "x", "-q"], env=ls_env, cwd=tmp_path)
    assert r.returncode == 1
    text = " ".join(r.stderr.split())
    assert "No project titled exactly 'rough: Conflict nwes'" in text
    listed = re.findall(r"'([^']+)'", text.split("Projects on", 1)[1])
    assert listed[0] == "rough: Conflict news" and "rough: zebra archive" in listed
    r = run_cli(["pull", "--dataset", "x", "-q"], env=ls_env, cwd=tmp_path)
    assert r.returncode == 1
    text = " ".join(r.stderr.split())
    assert "No project named." in text and re.search(r"Projects on \S+ \(\d+\): '", text) and "--project TITLE" in text


def test_demo_prints_a_readable_summary(ls_env, tmp_path):
    r = run_cli(["demo", "--project", "rough: demo", "-q"], env=ls_env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    articles = len(list((REPO / "data" / "sample" / "articles").glob("*.txt")))
    assert f"{articles} articles pre-annotated; {articles} tasks created" in r.stdout
    line = next(line for line in r.stdout.splitlines() if line.startswith("Suggestions:"))
    assert re.fullmatch(r"Suggestions: (\d+ [A-Z]+, )+\d+ [A-Z]+ \(model_version \S+\)\.", line), line
    assert "{" not in r.stdout
