"""`labeling evaluate`: score predictions against gold annotations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from ..quality.evaluate import evaluate
from ._common import console, out, plural

if TYPE_CHECKING:
    from ..quality.metrics import PRF, Scores


def evaluate_cli(
    pred: Path = typer.Argument(..., metavar="PRED", help="Predictions: dataset JSONL or Label Studio tasks JSONL."),
    gold: Path = typer.Option(..., "--gold", "-g", metavar="GOLD", help="Gold annotations: dataset JSONL or Label Studio tasks JSONL."),
    model_version: str | None = typer.Option(None, "--model-version", "-m", help="Score this prediction of each task (default: the last one)."),
    json_path: Path | None = typer.Option(None, "--json", help="Also write the numbers to this JSON file."),
) -> None:
    """Score predictions against gold: precision, recall and F1 per label, exact and overlap match.

    Documents are paired by id, else by text. Example:

        labeling evaluate --gold data/sample/gold.jsonl tasks.jsonl --json scores.json
    """
    result = evaluate(gold, pred, model_version=model_version)
    out.print(_table(result.scores, result.documents))
    for side, ids in (("gold", result.only_gold), ("predictions", result.only_pred)):
        if ids:
            shown = ", ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
            console.print(f"[yellow]Not scored:[/] {plural(len(ids), 'document')} only in the {side}: {shown}", soft_wrap=True)
    if json_path:
        json_path.write_text(json.dumps(result.to_dict(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
        console.print(f"Wrote {json_path}")


def _table(scores: Scores, documents: int) -> Table:
    table = Table(title=f"Scores over {plural(documents, 'document')}", title_justify="left")
    table.add_column("Label")
    for mode in ("Exact", "Overlap"):
        for name in ("P", "R", "F1"):
            table.add_column(f"{mode} {name}" if name == "P" else name, justify="right")
    table.add_column("Gold", justify="right")

    def row(name: str, exact: PRF, overlap: PRF, style: str | None = None) -> None:
        cells = [f"{v:.3f}" for prf in (exact, overlap) for v in (prf.precision, prf.recall, prf.f1)]
        table.add_row(name, *cells, str(exact.support), style=style)

    for label, exact in scores.span_exact.items():
        row(label, exact, scores.span_overlap[label])
    table.add_section()
    row("micro (spans)", scores.micro("exact"), scores.micro("overlap"), style="bold")
    row("relations", scores.relation_exact, scores.relation_overlap)
    return table


def register(app: typer.Typer) -> None:
    app.command("evaluate")(evaluate_cli)
