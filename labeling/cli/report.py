"""`labeling report`: suggestion quality, edits, agreement and progress of a dataset version or a project."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ._common import console, out

if TYPE_CHECKING:
    from rich.table import Table

    from ..quality.report import Quality


def report_cli(
    ref: str | None = typer.Argument(None, metavar="NAME[@vN]", help="Dataset version (NAME alone: the latest)."),
    project: str | None = typer.Option(None, "--project", "-p", help="Report on a project instead: pulled into a temporary directory."),
    project_id: int | None = typer.Option(None, "--project-id", help="Project id, instead of the title."),
    policy: str = typer.Option("latest", "--policy", help="With --project: which annotation counts per task (as in `labeling pull`)."),
    exports_dir: Path = typer.Option(Path("exports"), "--exports-dir", help="Where datasets live."),
    out_dir: Path | None = typer.Option(
        None, "--out", help="Directory for quality.json and report.html (default: the version folder; with --project: the current directory)."
    ),
    html: Path | None = typer.Option(None, "--html", help="Write the HTML report here instead."),
) -> None:
    """How much annotators changed the suggestions, whether they agree, and progress.

    Writes quality.json and a self-contained report.html into the version folder
    (files the manifest hashes are left untouched). Example: labeling report conflict@v2

    On a project (pulled into a temporary directory, nothing written to exports/):

        labeling report --project "Conflict news" --out reports/
    """
    from ..errors import DatasetError
    from ..quality.report import report_project, report_version

    if (ref is None) == (project is None and project_id is None):
        raise DatasetError("Name either a dataset version or a project.", "For example: labeling report conflict@v2, or labeling report --project TITLE")
    if ref is not None:
        result = report_version(exports_dir, ref, out_dir=out_dir, html=html)
    else:
        from ..studio.client import Studio

        studio = Studio.connect()
        with console.status("Pulling the project into a temporary directory..."):
            result = report_project(studio, project=project, project_id=project_id, policy=policy, out_dir=out_dir or Path("."), html=html)
    for table in _tables(result.quality):
        out.print(table)
    out.print(f"Wrote {result.json_path} and {result.html_path}")


def _tables(q: Quality) -> list[Table]:
    from rich.table import Table

    from ..quality.metrics import EDIT_KINDS

    where = f"{q.dataset}@{q.version}" if q.dataset else f"project {(q.project or {}).get('title')!r}"
    d, s = q.documents, q.suggestions
    share = "-" if s.unchanged_share is None else f"{100 * s.unchanged_share:.1f}%"
    f1 = Table(title=f"Suggestions vs final, {where}: {d['with_suggestion']} of {d['total']} documents; {share} of final spans unchanged", title_justify="left")
    for col in ("model_version / label", "Exact P", "R", "F1", "Overlap P", "R", "F1", "Final", *EDIT_KINDS):
        f1.add_column(col, justify="left" if col.startswith("model") else "right")
    for mv, sq in [("all", s), *q.by_model_version.items()]:
        sc = sq.scores
        f1.add_row(mv, *_prf(sc.micro("exact")), *_prf(sc.micro("overlap")), str(sc.micro("exact").support), *map(str, sq.edit_totals().values()), style="bold")
        for label, exact in sc.span_exact.items():
            edits = sq.edits.get(label, dict.fromkeys(EDIT_KINDS, 0))
            f1.add_row(f"  {label}", *_prf(exact), *_prf(sc.span_overlap[label]), str(exact.support), *map(str, edits.values()))
        f1.add_row("  relations", *_prf(sc.relation_exact), *_prf(sc.relation_overlap), str(sc.relation_exact.support))
    tables = [f1]

    a = q.agreement
    if a.tasks:
        ag = Table(title=f"Agreement: {a.tasks} task(s) with 2+ annotations, {a.pairs} pair(s) (F1)", title_justify="left")
        for col in ("Label", "Exact F1", "Overlap F1"):
            ag.add_column(col, justify="left" if col == "Label" else "right")
        for label, exact in a.scores.span_exact.items():
            ag.add_row(label, f"{exact.f1:.3f}", f"{a.scores.span_overlap[label].f1:.3f}")
        ag.add_row("all spans", f"{a.scores.micro('exact').f1:.3f}", f"{a.scores.micro('overlap').f1:.3f}", style="bold")
        ag.add_row("relations", f"{a.scores.relation_exact.f1:.3f}", f"{a.scores.relation_overlap.f1:.3f}")
        tables.append(ag)

    t = q.progress.get("tasks", {})
    pr = Table(
        title=f"Progress: {t.get('total')} tasks, {t.get('annotated')} annotated, {t.get('skipped')} skipped, {t.get('unannotated')} not annotated",
        title_justify="left",
    )
    for col in ("Annotator", "Done", "Skipped", "Median lead time (s)"):
        pr.add_column(col, justify="left" if col == "Annotator" else "right")
    for name, row in q.progress.get("annotators", {}).items():
        median = row.get("lead_time_median")
        pr.add_row(name, str(row["done"]), str(row["skipped"]), "-" if median is None else f"{median:.1f}")
    tables.append(pr)

    splits = q.progress.get("labels", {})
    labels = sorted({k for c in splits.values() for k in c})
    lc = Table(title="Documents and spans per split", title_justify="left")
    for col in ("Split", "Documents", *labels):
        lc.add_column(col, justify="left" if col == "Split" else "right")
    for split, counts in splits.items():
        lc.add_row(split, str(q.progress.get("documents", {}).get(split, "-")), *(str(counts.get(k, 0)) for k in labels))
    tables.append(lc)
    return tables


def _prf(p) -> list[str]:
    return [f"{p.precision:.3f}", f"{p.recall:.3f}", f"{p.f1:.3f}"]


def register(app: typer.Typer) -> None:
    app.command("report")(report_cli)
