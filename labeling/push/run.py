"""The whole push, as `labeling push` and `labeling demo` run it: inputs -> tasks -> project, safely.

    result = push_inputs(["articles/"], studio, title="Conflict news")

Raw documents are pre-annotated on the way; a tasks .jsonl is read as it is
(any Label Studio task with text, see push.read_tasks). Bad input stops the
push before Label Studio is touched. The project is found or created, then
the tasks are pushed (push.push_tasks), then what concurrent pushes may have
made twice is reconciled (reconcile.py): a twin project, duplicate tasks.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, LabelingError, ProjectGone
from ..ingest import Summary, read_documents
from ..preannotate.run import preannotate
from ..records import Annotated, Document
from ..scheme import Scheme, default_scheme
from ..storage import Target, is_url
from ..studio.client import Project, Studio
from ..studio.projects import ProjectResult, create_from_scheme, ensure_project
from ..studio.reconcile import Reconciled, empty_twin, reconcile_tasks, settle_project
from .tasks import DEFAULT_BATCH_BYTES, DEFAULT_BATCH_COUNT, PushSummary, is_tasks_file, push_tasks, read_tasks

RETRIES_WHEN_PROJECT_GONE = 3


@dataclass
class PushOptions:
    """How raw documents are read and pre-annotated (ignored for a tasks file, but text_field)."""

    model: str | None = None
    batch_size: int = 64
    n_process: int = 1
    skip_invalid: bool = False
    max_chars: int = 100_000
    split_long: bool = False
    text_field: str = "text"
    id_field: str = "id"
    batch_count: int = DEFAULT_BATCH_COUNT
    batch_bytes: int = DEFAULT_BATCH_BYTES
    learn: Callable[[Annotated], Annotated] | None = None  # a project memory's applier (labeling/learn/), after the model


@dataclass
class PushResult:
    project: Project
    created: bool
    config_changes: list[str]
    push: PushSummary
    ingest: Summary
    reconciled: Reconciled = field(default_factory=Reconciled)
    total: int | None = None  # tasks in the input, when it is a tasks file


def push_inputs(
    inputs: Iterable[str | Path],
    studio: Studio,
    *,
    title: str | None = None,
    project_id: int | None = None,
    options: PushOptions | None = None,
    scheme: Scheme | None = None,
    on_start: Callable[[PushResult], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> PushResult:
    """Push documents or tasks files into the project named by title or id (created from the scheme if missing)."""
    paths = [p if is_url(p) else Path(p) for p in inputs]
    options = options or PushOptions()
    scheme = scheme or default_scheme()
    ingest = Summary()
    make_tasks, total = _task_source(paths, options, ingest)
    reconciled = Reconciled()

    found = _resolve_project(studio, scheme, title, project_id, reconciled)
    project = found.project
    result = PushResult(project, found.created, found.config_changes, PushSummary(), ingest, reconciled, total)
    if on_start:
        on_start(result)

    for attempt in itertools.count(1):
        try:
            summary = push_tasks(make_tasks(), studio, project.id, batch_count=options.batch_count, batch_bytes=options.batch_bytes, on_progress=on_progress)
        except ProjectGone:
            if not title or attempt >= RETRIES_WHEN_PROJECT_GONE:
                raise
            project = settle_project(studio, title, project, reconciled)
            continue
        if not title or project_id is not None:
            break
        keeper = settle_project(studio, title, project, reconciled)
        if keeper.id == project.id:
            break
        # A concurrent push merged the project we were writing into (our twin) into `keeper`.
        # Push again into the keeper (it imports only what it lacks), then empty the twin of
        # what we wrote after the merge.
        if attempt >= RETRIES_WHEN_PROJECT_GONE:
            raise LabelingError(f"Project {title!r} kept moving while this push ran.", "Re-run the push: it sends only what is missing.")
        twin, project = project, keeper
        empty_twin(studio, twin.id)

    if summary.created or summary.duplicates_seen or reconciled.projects_removed:
        reconcile_tasks(studio, project.id, reconciled)
    result.project, result.push = studio.get_project(project.id), summary
    return result


def _resolve_project(studio: Studio, scheme: Scheme, title: str | None, project_id: int | None, reconciled: Reconciled) -> ProjectResult:
    """The project by id, or the one project with this title: created if missing, twins from a race merged."""
    if project_id is not None or not title:
        return ensure_project(studio, scheme, title=title, project_id=project_id)
    created = False
    if not (twins := studio.projects_titled(title)):
        twins = [create_from_scheme(studio, scheme, title)]
        created = True
    keeper = settle_project(studio, title, twins[0], reconciled)  # re-read: another push may have made one too
    found = ensure_project(studio, scheme, project_id=keeper.id)  # keeps the config in step with the scheme
    return ProjectResult(found.project, created and keeper.id == twins[0].id, found.config_changes)


def _task_source(paths: list[Target], options: PushOptions, ingest: Summary) -> tuple[Callable[[], Iterator[dict]], int | None]:
    """A way to (re)make the task stream, and its length for a tasks file. Checks the input before any request."""
    if paths and all(is_tasks_file(p) for p in paths):
        total = sum(1 for p in paths for _ in read_tasks(p, text_field=options.text_field))  # one cheap pass validates every line
        if total == 0:
            raise InputError(", ".join(map(str, paths)), "no tasks found", "Check the file.")
        return (lambda: (t for p in paths for t in read_tasks(p, text_field=options.text_field))), total

    def documents(summary: Summary | None = None) -> Iterator[Document]:
        o = options
        return read_documents(
            paths, text_field=o.text_field, id_field=o.id_field, skip_invalid=o.skip_invalid, max_chars=o.max_chars, split_long=o.split_long, summary=summary
        )

    def tasks() -> Iterator[dict]:
        annotated = preannotate(documents(ingest), model=options.model, batch_size=options.batch_size, n_process=options.n_process, summary=ingest)
        learn = options.learn or (lambda a: a)
        return (learn(a).to_task() for a in annotated)

    next(documents(), None)  # an input without documents (or a bad first record) fails here, before a project is created
    return tasks, None
