"""The main job on the embedded default, end to end: server, sample corpus, pre-annotation, push.

Safe to re-run: the server start is a no-op when it runs, and the push sends
only what the project lacks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .paths import sample_dir

if TYPE_CHECKING:
    from .ingest import Summary
    from .push.tasks import PushSummary
    from .studio.server import Status

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
    # Imported here, not at the top: `labeling demo --help` reads DEMO_PROJECT without loading the Label Studio SDK.
    from .push.run import push_inputs
    from .studio.client import Studio
    from .studio.server import start

    status, started = start(home, port=port, on_wait=on_wait)
    studio = Studio.connect(home=home)
    r = push_inputs([articles or sample_dir() / "articles"], studio, title=title, on_progress=on_progress)
    return DemoResult(status, started, r.project.id, r.project.title, r.created, r.ingest, r.push)
