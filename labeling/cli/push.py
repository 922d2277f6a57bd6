"""`labeling push`: documents or tasks.jsonl into a Label Studio project, safely re-runnable."""

from __future__ import annotations

from pathlib import Path

import typer

from ._common import out, progress_bar


def push_cli(
    inputs: list[Path] = typer.Argument(..., help="Raw documents (.txt, .jsonl, .csv, directories) or a tasks.jsonl from `labeling preannotate`."),
    project: str | None = typer.Option(None, "--project", "-p", help="Project title (exact match); created from the scheme if missing."),
    project_id: int | None = typer.Option(None, "--project-id", help="Project id, instead of the title."),
    model: str | None = typer.Option(None, "--model", "-m", help="spaCy pipeline for raw documents (default: the scheme's)."),
    batch_size: int = typer.Option(64, help="spaCy batch size for raw documents."),
    n_process: int = typer.Option(1, help="spaCy processes for raw documents."),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="Skip bad input records (listed in the summary) instead of stopping."),
    max_chars: int = typer.Option(100_000, help="Longest document accepted."),
    split_long: bool = typer.Option(False, "--split-long", help="Split longer documents at paragraph boundaries."),
    text_field: str = typer.Option("text", help="Text field/column in .jsonl/.csv input."),
    id_field: str = typer.Option("id", help="Id field/column in .jsonl/.csv input."),
    batch_count: int = typer.Option(500, help="Tasks per import request."),
    batch_mb: float = typer.Option(8.0, help="Largest import request body, in MB."),
    silent: bool = typer.Option(False, "--silent", "-q", help="No progress bar."),
) -> None:
    """Push articles with pre-annotations into Label Studio. Safe to re-run: only missing tasks and missing predictions are sent.

    Example: labeling push data/sample/articles --project "Conflict news"
    """
    from ..ingest import Summary, read_documents
    from ..preannotate.run import preannotate
    from ..scheme import default_scheme
    from ..studio.client import Studio
    from ..studio.projects import ensure_project
    from ..studio.push import is_tasks_file, push_tasks, read_tasks

    from_tasks = all(is_tasks_file(p) for p in inputs)
    # A bad line in a tasks file stops the push before Label Studio is touched: one cheap pass first.
    total = sum(1 for p in inputs for _ in read_tasks(p)) if from_tasks else None
    studio = Studio.connect()
    result = ensure_project(studio, default_scheme(), title=project, project_id=project_id)
    proj = result.project
    if result.created:
        out.print(f"Created project {proj.title!r} (id {proj.id}) from scheme v{default_scheme().version}.")
    for change in result.config_changes:
        out.print(f"Updated the project's labeling config: {change}")

    ingest_summary = Summary()
    if from_tasks:
        tasks = (t for p in inputs for t in read_tasks(p))
    else:
        docs = read_documents(
            inputs, text_field=text_field, id_field=id_field, skip_invalid=skip_invalid, max_chars=max_chars, split_long=split_long, summary=ingest_summary
        )
        tasks = (a.to_task() for a in preannotate(docs, model=model, batch_size=batch_size, n_process=n_process, summary=ingest_summary))

    with progress_bar("Pushing", total=total, silent=silent) as advance:
        summary = push_tasks(
            tasks, studio, proj.id, task_count=proj.task_count, batch_count=batch_count, batch_bytes=int(batch_mb * 1024 * 1024), on_progress=advance
        )

    out.print(f"Project {proj.title!r} (id {proj.id}) at {studio.url}")
    out.print(
        f"created {summary.created}, already present {summary.present}, predictions added {summary.predictions_added}, "
        f"skipped {len(summary.skipped) + len(ingest_summary.skipped)}, failed {summary.failed} "
        f"({summary.requests} requests, {summary.seconds:.1f}s)"
    )
    if ingest_summary.duplicates:
        out.print(f"duplicate documents in the input (kept once): {ingest_summary.duplicates}")
    for where, why in ingest_summary.skipped + summary.skipped:
        out.print(f"  skipped {where}: {why}")
    if summary.model_versions:
        out.print(f"model_version: {summary.model_versions[-1]}")
    if summary.failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("push")(push_cli)
