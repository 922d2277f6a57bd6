"""`labeling push`: documents or tasks.jsonl into a Label Studio project, safely re-runnable."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from ..errors import LabelingError
from ..ingest import DEFAULT_MAX_CHARS
from ..preannotate.run import DEFAULT_BATCH_SIZE
from ..scheme import default_scheme
from ..studio.limits import DEFAULT_BATCH_BYTES, DEFAULT_BATCH_COUNT
from ._common import ProjectId, Quiet, out, progress_bar, reject_flag_values

if TYPE_CHECKING:
    from ..push.run import PushOptions, PushResult

MB = 1024 * 1024


def push_cli(
    inputs: list[str] = typer.Argument(
        None, help="Raw documents (.txt, .jsonl, .csv, directories) or a tasks.jsonl from `labeling preannotate`; paths or fsspec URLs."
    ),
    project: str | None = typer.Option(None, "--project", "-p", help="Project title (exact match); created from the scheme if missing."),
    project_id: ProjectId = None,
    model: str | None = typer.Option(None, "--model", "-m", help="spaCy pipeline or a `labeling train` directory for raw documents (default: the scheme's)."),
    batch_size: int = typer.Option(DEFAULT_BATCH_SIZE, "--batch-size", min=1, help="spaCy batch size for raw documents."),
    n_process: int = typer.Option(1, "--n-process", min=1, help="spaCy processes for raw documents."),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="Skip bad input records (listed in the summary) instead of stopping."),
    max_chars: int = typer.Option(DEFAULT_MAX_CHARS, "--max-chars", min=1, help="Longest document accepted."),
    split_long: bool = typer.Option(False, "--split-long", help="Split longer documents at paragraph boundaries."),
    text_field: str = typer.Option("text", "--text-field", help="Text field/column in .jsonl/.csv input, or the data key holding the text in a tasks file."),
    id_field: str = typer.Option("id", "--id-field", help="Id field/column in .jsonl/.csv input."),
    batch_count: int = typer.Option(DEFAULT_BATCH_COUNT, "--batch-count", min=1, help="Tasks per import request."),
    batch_mb: float = typer.Option(DEFAULT_BATCH_BYTES / MB, "--batch-mb", min=0.01, help="Largest import request body, in MB."),
    quiet: Quiet = False,
    overlap: int | None = typer.Option(None, "--overlap", min=1, help="Different annotators per document (Label Studio's maximum_annotations)."),
    overlap_share: int = typer.Option(100, "--overlap-share", min=0, max=100, help="With --overlap: percentage of documents under overlap."),
    learn_from: str | None = typer.Option(None, "--learn-from", help="Also apply what annotators taught this project (title or id) to the suggestions."),
    refresh: bool = typer.Option(False, "--refresh", help="Add the newest suggestions to the project's tasks that hold no annotation yet (no INPUTS)."),
) -> None:
    """Push articles with pre-annotations into Label Studio. Safe to re-run: only missing tasks and missing predictions are sent.

    Example: labeling push data/sample/articles --project "Conflict news"
             labeling push --refresh --project "Conflict news" --learn-from "Conflict news"
    """
    # Imported here, not at the top: they load the Label Studio SDK (over a second), which `--help` does not need.
    from ..push.run import PushOptions
    from ..studio.users import check_overlap

    if overlap is not None:
        check_overlap(overlap, overlap_share)

    if refresh or not inputs:
        return _refresh(inputs, project, project_id, model=model, learn_from=learn_from, refresh=refresh)
    reject_flag_values(inputs)
    options = PushOptions(
        model=model,
        batch_size=batch_size,
        n_process=n_process,
        skip_invalid=skip_invalid,
        max_chars=max_chars,
        split_long=split_long,
        text_field=text_field,
        id_field=id_field,
        batch_count=batch_count,
        batch_bytes=int(batch_mb * MB),
    )
    _push(inputs, project, project_id, options, learn_from=learn_from, overlap=overlap, overlap_share=overlap_share, quiet=quiet)


def _push(
    inputs: list[str],
    project: str | None,
    project_id: int | None,
    options: PushOptions,
    *,
    learn_from: str | None,
    overlap: int | None,
    overlap_share: int,
    quiet: bool,
) -> None:
    """Push, report, set the overlap; fail when concurrent pushes left duplicates to review, exit 1 when a task failed."""
    from ..push.run import push_inputs
    from ..studio.client import Studio
    from ..studio.reconcile import needs_review_error
    from ..studio.users import set_overlap

    studio = Studio.connect()
    if learn_from:
        options.learn = _learner(studio, learn_from)

    def started(r) -> None:
        if r.created:
            out.print(f"Created project {r.project.title!r} (id {r.project.id}) from scheme v{default_scheme().version}.")
        for change in r.config_changes:
            out.print(f"Updated the project's labeling config: {change}")

    with progress_bar("Pushing", total=None, silent=quiet) as advance:
        r = push_inputs(inputs, studio, title=project, project_id=project_id, options=options, on_start=started, on_progress=advance)
    _report(r, studio.url)
    if overlap is not None:
        k, pct = set_overlap(studio, annotators=overlap, share=overlap_share, project_id=r.project.id)
        out.print(f"overlap: each document goes to {k} annotator(s), for {pct} % of the documents")
    if r.reconciled.needs_review:
        raise needs_review_error(r.reconciled)
    if r.push.failed:
        raise typer.Exit(1)


def _report(r: PushResult, url: str) -> None:
    summary, ingest_summary = r.push, r.ingest
    out.print(f"Project {r.project.title!r} (id {r.project.id}) at {url}")
    out.print(
        f"created {summary.created}, already present {summary.present}, predictions added {summary.predictions_added}, "
        f"skipped {len(summary.skipped) + len(ingest_summary.skipped)}, failed {summary.failed} "
        f"({summary.requests} requests, {summary.seconds:.1f}s)"
    )
    if reconciled := r.reconciled.describe():
        out.print(f"reconciled: {reconciled}")
    if ingest_summary.duplicates:
        out.print(f"duplicate documents in the input (kept once): {ingest_summary.duplicates}")
    for where, why in ingest_summary.skipped + summary.skipped:
        out.print(f"  skipped {where}: {why}")
    if summary.model_versions:
        out.print(f"model_version: {summary.model_versions[-1]}")


def _learner(studio, project: str):
    from ..learn.build import memory_of  # loads the SDK: see push_cli

    memory, report = memory_of(studio, project)
    out.print(f"Memory: {report.describe()}; {len(memory.learned())} texts learned, {len(memory.forgotten())} forgotten")
    return memory.applier()


def _refresh(inputs: list[str] | None, project: str | None, project_id: int | None, *, model: str | None, learn_from: str | None, refresh: bool) -> None:
    # Imported here for start-up time, as in push_cli.
    from ..learn.build import find
    from ..learn.refresh import refresh as refresh_tasks
    from ..preannotate.run import build_pipeline
    from ..studio.client import Studio

    if not refresh or inputs:
        raise LabelingError("Give INPUTS to push, or --refresh without INPUTS.", "labeling push --refresh --project TITLE [--learn-from TITLE]")
    studio = Studio.connect()
    target = find(studio, project_id if project_id is not None else (project or ""))
    learn = _learner(studio, learn_from) if learn_from else None
    r = refresh_tasks(studio, target, nlp=build_pipeline(model), learn=learn)
    out.print(f"Project {target.title!r} (id {target.id}): {r.unannotated} tasks without annotations, {r.added} new suggestions, {r.already} already current")
    if r.model_version:
        out.print(f"model_version: {r.model_version}")


def register(app: typer.Typer) -> None:
    app.command("push")(push_cli)
