"""`labeling report`: suggestion quality, edits, agreement and progress of a dataset version or a project."""

from __future__ import annotations

import json
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich import box
from rich.table import Table

from ..errors import DatasetError
from ..pull.policy import POLICIES
from ..quality.metrics import EDIT_KINDS
from ..quality.summary import defined
from ._common import EXPORTS_DIR, ExportsDir, ProjectId, Quiet, console, out, plural

if TYPE_CHECKING:
    from ..quality.summary import Quality


def report_cli(
    ref: str | None = typer.Argument(None, metavar="NAME[@vN]", help="Dataset version (NAME alone: the latest)."),
    project: str | None = typer.Option(None, "--project", "-p", help="Report on a project instead: pulled into a temporary directory."),
    project_id: ProjectId = None,
    policy: str = typer.Option(POLICIES[0], "--policy", help="With --project: which annotation counts per task (as in `labeling pull`)."),
    exports_dir: ExportsDir = EXPORTS_DIR,
    out_dir: Path | None = typer.Option(
        None, "--out", help="Directory for quality.json and report.html (default: the version folder; with --project: the current directory)."
    ),
    html: Path | None = typer.Option(None, "--html", help="Write the HTML report here instead."),
    as_json: bool = typer.Option(False, "--json", help="Print the quality dict (quality.json's content) as JSON instead of tables."),
    html_only: bool = typer.Option(False, "--html-only", help="Rebuild report.html from the version's saved quality.json, without recomputing."),
    quiet: Quiet = False,
) -> None:
    """How much annotators changed the suggestions, whether they agree, and progress.

    Writes quality.json and a self-contained report.html into the version folder
    (files the manifest hashes are left untouched). Example: labeling report conflict@v2

    On a project (pulled into a temporary directory, nothing written to exports/):

        labeling report --project "Conflict news" --out reports/
    """
    # here, not at the top: loads numpy (about 0.2 s at start-up)
    from ..quality.report import report_project, report_version

    if (ref is None) == (project is None and project_id is None):
        raise DatasetError("Name either a dataset version or a project.", "For example: labeling report conflict@v2, or labeling report --project TITLE")
    if ref is not None and html_only:
        # here, not at the top: loads numpy (about 0.2 s at start-up)
        from ..datasets.store import resolve
        from ..quality.report import rerender_html

        out.print(f"Wrote {rerender_html(resolve(exports_dir, ref), html=html)}")
        return
    if ref is not None:
        result = report_version(exports_dir, ref, out_dir=out_dir, html=html)
    else:
        # here, not at the top: loads the Label Studio SDK (over a second at start-up)
        from ..studio.client import Studio

        studio = Studio.connect()
        with nullcontext() if quiet else console.status("Pulling the project into a temporary directory..."):
            result = report_project(studio, project=project, project_id=project_id, policy=policy, out_dir=out_dir or Path("."), html=html)
    if as_json:
        print(json.dumps(result.quality.to_dict(), indent=2, sort_keys=True, ensure_ascii=False))
        console.print(f"Wrote {result.json_path} and {result.html_path}")
        return
    for table in _tables(result.quality):
        out.print(table, soft_wrap=False)  # titles wrap to the terminal; figures never do
    out.print(f"Wrote {result.json_path} and {result.html_path}")


def _table(title: str, first: str, *columns: str) -> Table:
    """A table that stays readable at 80 columns and when piped: figures never wrap or shrink to '0.…'."""
    t = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1))
    t.add_column(first, justify="left", overflow="fold")
    for col in columns:
        t.add_column(col, justify="right", no_wrap=True)
    return t


def _tables(q: Quality) -> list[Table]:
    where = f"{q.dataset}@{q.version}" if q.dataset else f"project {(q.project or {}).get('title')!r}"
    d, s = q.documents, q.suggestions
    share = "-" if s.unchanged_share is None else f"{100 * s.unchanged_share:.1f}%"
    tables = []
    # One table per model_version, labels as rows: eight columns fit in 80. With one model_version,
    # "all model versions" is that one: its tables are printed once, under its name.
    blocks = [("all model versions", s), *q.by_model_version.items()] if len(q.by_model_version) != 1 else list(q.by_model_version.items())
    for i, (mv, sq) in enumerate(blocks):
        sc = sq.scores
        title = f"Suggestions vs final, {where}, {mv}"
        if i == 0:
            title += f": {d['with_suggestion']} of {d['total']} documents; {share} of final spans unchanged"
        t = _table(title, "Label", "Exact P", "R", "F1", "Overlap P", "R", "F1", "Final")
        for label, exact in sc.span_exact.items():
            t.add_row(label, *_prf(exact), *_prf(sc.span_overlap[label]), str(exact.support))
        t.add_row("all spans", *_prf(sc.micro("exact")), *_prf(sc.micro("overlap")), str(sc.micro("exact").support), style="bold")
        t.add_row("relations", *_prf(sc.relation_exact), *_prf(sc.relation_overlap), str(sc.relation_exact.support))
        tables.append(t)

        e = _table(f"Edits, {mv}: suggestion -> final", "Label", *EDIT_KINDS)
        for label in sc.span_exact:
            edits = sq.edits.get(label, dict.fromkeys(EDIT_KINDS, 0))
            e.add_row(label, *(str(edits[k]) for k in EDIT_KINDS))
        e.add_row("all spans", *(str(v) for v in sq.edit_totals().values()), style="bold")
        tables.append(e)

    a = q.agreement
    if a.tasks:
        ag = _table(f"Agreement: {plural(a.tasks, 'task')} with 2+ annotations, {plural(a.pairs, 'pair')} (F1)", "Label", "Exact F1", "Overlap F1")
        for label, exact in a.scores.span_exact.items():
            ag.add_row(label, _f1(exact), _f1(a.scores.span_overlap[label]))
        ag.add_row("all spans", _f1(a.scores.micro("exact")), _f1(a.scores.micro("overlap")), style="bold")
        ag.add_row("relations", _f1(a.scores.relation_exact), _f1(a.scores.relation_overlap))
        tables.append(ag)

    tables += _team_tables(q)

    t = q.progress.get("tasks", {})
    pr = _table(
        f"Progress: {t.get('total')} tasks, {t.get('annotated')} annotated, {t.get('skipped')} skipped, {t.get('unannotated')} not annotated",
        "Annotator",
        "Done",
        "Skipped",
        "Median lead (s)",
    )
    for name, row in q.progress.get("annotators", {}).items():
        median = row.get("lead_time_median")
        pr.add_row(name, str(row["done"]), str(row["skipped"]), "-" if median is None else f"{median:.1f}")
    tables.append(pr)

    splits = q.progress.get("labels", {})
    labels = sorted({k for c in splits.values() for k in c})
    lc = _table("Documents and spans per split", "Split", "Documents", *labels)
    for split, counts in splits.items():
        lc.add_row(split, str(q.progress.get("documents", {}).get(split, "-")), *(str(counts.get(k, 0)) for k in labels))
    tables.append(lc)
    return tables


def _team_tables(q: Quality) -> list[Table]:
    """Krippendorff's alpha per label, F1 per annotator pair, and each annotator against adjudicated gold."""
    team = q.team
    if not team.documents and not team.gold_documents:
        return []
    tables = []
    al = _table(f"Chance-corrected agreement: Krippendorff's alpha (characters, nominal), {plural(team.documents, 'document')}", "Label", "Alpha")
    for label, value in team.alphas().items():
        al.add_row(label, "-" if value is None else f"{value:.3f}")
    al.add_row("relations", "- (pairwise F1 below)")
    tables.append(al)
    pt = _table("Pairwise F1 per annotator pair", "Annotators", "Spans exact", "Spans overlap", "Relations exact", "Relations overlap")
    for (a, b), s in sorted(team.pairs.items()):
        pt.add_row(f"{a} | {b}", *_f1_cells(s))
    tables.append(pt)
    if team.vs_gold:
        labels = sorted({k for s in team.vs_gold.values() for k in s.span_exact})
        title = f"Each annotator vs adjudicated gold (F1), {plural(team.gold_documents, 'document')}; per label: exact"
        gt = _table(title, "Annotator", "Spans exact", "Spans overlap", "Relations exact", "Relations overlap", *labels)
        for name, s in sorted(team.vs_gold.items()):
            gt.add_row(name, *_f1_cells(s), *(_f1(s.span_exact[k]) if k in s.span_exact else "-" for k in labels))
        tables.append(gt)
    return tables


def _f1_cells(s) -> list[str]:
    return [_f1(s.micro("exact")), _f1(s.micro("overlap")), _f1(s.relation_exact), _f1(s.relation_overlap)]


def _prf(p) -> list[str]:
    return [_fig(v) for v in defined(p).values()]


def _f1(p) -> str:
    return _prf(p)[2]


def _fig(v: float | None) -> str:
    return "-" if v is None else f"{v:.3f}"


def register(app: typer.Typer) -> None:
    app.command("report")(report_cli)
