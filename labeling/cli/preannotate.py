"""`labeling preannotate`: articles in, Label Studio tasks with suggestions out."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from ..errors import LabelingError
from ..ingest import DEFAULT_MAX_CHARS, Summary, read_documents
from ..preannotate.on_dask import DEFAULT_CHUNK_SIZE, write_tasks_on_dask
from ..preannotate.run import DEFAULT_BATCH_SIZE, build_pipeline, preannotate, write_tasks
from ._common import Quiet, console, out, plural, progress_bar, reject_flag_values


def preannotate_cli(
    inputs: list[str] = typer.Argument(
        ..., help="Files (.txt, .jsonl, .csv) or directories of .txt files; paths or fsspec URLs (s3://bucket/news.jsonl).", show_default=False
    ),
    output: str = typer.Option(..., "--output", "-o", help="Tasks file to write (JSON Lines), a path or fsspec URL; replaced only on success."),
    model: str | None = typer.Option(
        None, "--model", "-m", help="Installed spaCy pipeline or a directory made by `labeling train`; default: the scheme's tokenizer pipeline."
    ),
    batch_size: int = typer.Option(DEFAULT_BATCH_SIZE, "--batch-size", min=1, help="Documents per nlp.pipe batch."),
    n_process: int = typer.Option(1, "--n-process", min=1, help="Worker processes for spaCy."),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="Skip bad records (listed in the summary) instead of stopping."),
    max_chars: int = typer.Option(DEFAULT_MAX_CHARS, "--max-chars", min=1, help="Longest document accepted, in characters."),
    split_long: bool = typer.Option(False, "--split-long", help="Split longer documents at paragraph breaks instead of failing."),
    text_field: str = typer.Option("text", "--text-field", help="JSONL field / CSV column holding the text."),
    id_field: str = typer.Option("id", "--id-field", help="JSONL field / CSV column holding the document id."),
    quiet: Quiet = False,
    dask: str | None = typer.Option(
        None, "--dask", help="Run on Dask: local[:N] (a local cluster of N worker processes) or tcp://HOST:PORT (a running scheduler)."
    ),
    chunk_size: int = typer.Option(DEFAULT_CHUNK_SIZE, "--chunk-size", min=1, help="With --dask: documents per chunk (one Dask task each)."),
    learn_from: str | None = typer.Option(None, "--learn-from", help="Also apply what annotators taught this Label Studio project (title or id)."),
) -> None:
    """Pre-annotate articles with spaCy and our rules; write Label Studio tasks.

    Each task carries one prediction (ACTOR, WEAPON, CLAIM, SOURCE regions and
    attributed_to relations) with a score for uncertainty sampling.

    Example:

        labeling preannotate data/sample/articles -o tasks.jsonl --n-process 2
        labeling preannotate news.jsonl -o tasks.jsonl --dask local:2
        labeling preannotate s3://news/2026/ -o s3://news/runs/tasks.jsonl --dask tcp://scheduler:8786
    """
    reject_flag_values(inputs)
    if dask and learn_from:
        raise LabelingError("--learn-from does not run on --dask yet", "Drop --dask, or pre-annotate on Dask and then `labeling push --refresh --learn-from`.")
    if dask:
        return _on_dask(inputs, output, dask=dask, chunk_size=chunk_size, model=model, batch_size=batch_size, quiet=quiet,
                        read=dict(text_field=text_field, id_field=id_field, skip_invalid=skip_invalid, max_chars=max_chars, split_long=split_long))  # fmt: skip
    learn = _learn(learn_from) if learn_from else None  # an unknown project fails before spaCy loads
    nlp = build_pipeline(model)
    summary = Summary()  # started after loading, so throughput is the stream's
    docs = read_documents(
        inputs,
        text_field=text_field,
        id_field=id_field,
        skip_invalid=skip_invalid,
        max_chars=max_chars,
        split_long=split_long,
        summary=summary,
    )
    stream = preannotate(docs, nlp=nlp, batch_size=batch_size, n_process=n_process, summary=summary)
    if learn is not None:
        stream = map(learn, stream)
    write_tasks(stream if quiet else _with_progress(stream), output, summary=summary)
    _print_summary(summary, output)


def _learn(project: str):
    """The applier of a project's memory, rebuilt from Label Studio now; says what it holds."""
    # here, not at the top: loads the Label Studio SDK (over a second at start-up)
    from ..learn.build import memory_of
    from ..studio.client import Studio

    memory, report = memory_of(Studio.connect(), project)
    console.print(f"Memory: {report.describe()}; {len(memory.learned())} texts learned, {len(memory.forgotten())} forgotten", soft_wrap=True)
    return memory.applier()


def _on_dask(inputs: list[str], output: str, *, dask: str, chunk_size: int, model: str | None, batch_size: int, quiet: bool, read: dict) -> None:
    summary = Summary()
    docs = read_documents(inputs, summary=summary, **read)

    def started(dashboard: str | None) -> None:
        if not quiet:
            console.print(f"Dask: {dask}, chunks of up to {chunk_size} documents" + (f"; dashboard {dashboard}" if dashboard else ""))

    def finished(chunks: int, reused: int) -> None:
        if not quiet:
            console.print(f"Dask: {plural(chunks, 'chunk')}, {chunks - reused} computed, {reused} kept from an earlier run")

    with progress_bar("Documents", silent=quiet) as advance:
        written = write_tasks_on_dask(
            docs, output, address=dask, model=model, chunk_size=chunk_size, batch_size=batch_size, on_start=started, on_chunk=advance, on_finish=finished
        )
    out.print(f"Wrote {written} tasks to {output}")
    out.print(f"  documents read: {summary.read}, written: {written}, duplicates: {summary.duplicates}, split: {summary.split}")
    for location, reason in summary.skipped:
        out.print(f"    skipped {location}: {reason}", soft_wrap=True)


def _with_progress(stream: Iterable) -> Iterator:
    """Count items as they pass; the total is unknown, so no ETA (the stream is never materialised)."""
    columns = (SpinnerColumn(), TextColumn("{task.completed} docs"), TextColumn("{task.fields[rate]}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("preannotate", total=None, rate="")
        for n, item in enumerate(stream, 1):
            elapsed = progress.tasks[0].elapsed or 0.0
            progress.update(task, completed=n, rate=f"{n / elapsed:.1f} docs/s" if elapsed > 0 else "")
            yield item


def _print_summary(summary, output: str) -> None:
    out.print(f"Wrote {summary.written} tasks to {output}")
    out.print(f"  documents read: {summary.read}, written: {summary.written}, duplicates: {summary.duplicates}, split: {summary.split}")
    if summary.skipped:
        out.print(f"  skipped: {len(summary.skipped)}")
        for location, reason in summary.skipped:
            out.print(f"    {location}: {reason}", soft_wrap=True)
    spans = ", ".join(f"{label} {count}" for label, count in sorted(summary.spans.items())) or "none"
    out.print(f"  spans: {spans}")
    out.print(f"  throughput: {summary.docs_per_second:.1f} docs/s, {summary.chars_per_second / 1000:.1f}k chars/s in {summary.elapsed:.1f}s")


def register(app: typer.Typer) -> None:
    app.command("preannotate")(preannotate_cli)
