"""The main job on the embedded default, end to end: server, sample corpus, pre-annotation, push.

Safe to re-run: the server start is a no-op when it runs, and the push sends
only what the project lacks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .ingest import Summary, read_documents
from .paths import sample_dir
from .preannotate.run import preannotate
from .scheme import default_scheme
from .studio.client import Studio
from .studio.projects import ensure_project
from .studio.push import PushSummary, push_tasks
from .studio.server import Status, start

DEMO_PROJECT = "Conflict news (demo)"


@dataclass
class DemoResult:
    server: Status
    server_started: bool
    project_id: int
    project_title: str
    project_created: bool
    ingest: Summary
    push: PushSummary


def run_demo(
    *,
    home: Path | None = None,
    port: int | None = None,
    title: str = DEMO_PROJECT,
    articles: Path | None = None,
    on_wait: Callable[[float], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> DemoResult:
    status, started = start(home, port=port, on_wait=on_wait)
    studio = Studio.connect(home=home)
    result = ensure_project(studio, default_scheme(), title=title)
    ingest = Summary()
    docs = read_documents([articles or sample_dir() / "articles"], summary=ingest)
    tasks = (a.to_task() for a in preannotate(docs, summary=ingest))
    summary = push_tasks(tasks, studio, result.project.id, task_count=result.project.task_count, on_progress=on_progress)
    return DemoResult(status, started, result.project.id, result.project.title, result.created, ingest, summary)
