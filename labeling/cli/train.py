"""`labeling train`: the next pre-annotator from a dataset version (and `--curve`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from ..preannotate.model import LABELS as SPAN_LABELS
from ._common import EXPORTS_DIR, ExportsDir, Quiet, console, out

LABELS = (*SPAN_LABELS, "relations")  # the table rows


def train_cli(
    ctx: typer.Context,
    ref: str = typer.Argument(..., metavar="NAME[@vN]", help="Dataset version to train on (default: the latest)."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Model directory (default: models/NAME-vNNNN)."),
    exports_dir: ExportsDir = EXPORTS_DIR,
    force: bool = typer.Option(False, "--force", help="Replace an existing output directory (only once the new model is complete)."),
    seed: int = typer.Option(0, "--seed", help="Random seed: same dataset, config and seed give the same model scores."),
    max_epochs: int | None = typer.Option(None, "--max-epochs", help="Override configs/train.cfg's training.max_epochs."),
    curve: bool = typer.Option(False, "--curve", help="Train on 25/50/75/100 percent of the train split and print test F1 per fraction; keeps no model."),
    quiet: Quiet = False,
) -> None:
    """Train a spaCy pre-annotator on a dataset version; compare it with the rules on the test split.

    spaCy's training loop runs configs/train.cfg on the train split (dev selects
    the best checkpoint and, per label, whether the rules, the learned
    components or both make the suggestions); the frozen test split is read
    once, for eval.json. Use the result with `labeling preannotate --model DIR`.

    Any other `--section.key value` is a spaCy config override of configs/train.cfg,
    as `spacy train` takes them.

    Example: labeling train conflict@v3 --training.max_epochs 10 --components.spancat.threshold 0.4
    """
    # here, not at the top: loads spaCy (seconds at start-up)
    from spacy.cli._util import parse_config_overrides

    overrides = parse_config_overrides(list(ctx.args))
    from ..train.run import curve as train_curve
    from ..train.run import train

    on_progress = None if quiet else _progress
    if curve:
        points = train_curve(ref, exports_dir=exports_dir, seed=seed, max_epochs=max_epochs, on_progress=on_progress, overrides=overrides)
        _print_curve(points)
        return
    result = train(ref, exports_dir=exports_dir, output=output, force=force, seed=seed, max_epochs=max_epochs, on_progress=on_progress, overrides=overrides)
    s = result.scores
    out.print(f"Trained {result.model_version} in {result.seconds:.0f} s on {s['dataset']} (documents: {_counts(s['documents'])}).")
    out.print(f"Per label, suggestions from: {', '.join(f'{k} {v}' for k, v in s['policy'].items())} (chosen on dev).")
    out.print(f"Test split ({s['documents']['test']} documents), F1 exact / overlap:")
    print_comparison(s["rules"]["scores"], s["trained"]["scores"])
    out.print(f"Saved {result.output_dir} (eval.json inside). Use it: labeling preannotate INPUT -o tasks.jsonl --model {result.output_dir}")


def _counts(d: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in d.items())


def _progress(p: dict[str, Any]) -> None:
    eta = f", at most {p['eta']:.0f} s left" if p["eta"] is not None else ""
    console.print(f"epoch {p['epoch']}/{p['max_epochs']} step {p['step']}: dev score {p['dev_score']:.3f}{eta}")


def _f1(scores: dict[str, Any], mode: str, label: str) -> float:
    return scores[mode]["relations"]["f1"] if label == "relations" else scores[mode]["labels"][label]["f1"]


def print_comparison(rules: dict[str, Any], trained: dict[str, Any]) -> None:
    """Label rows, rules vs trained, exact and overlap: 58 columns."""
    out.print(f"{'':10} {'rules':>7} {'trained':>8} {'Δ':>6}   {'rules':>7} {'trained':>8} {'Δ':>6}")
    out.print(f"{'':10} {'exact':>23}   {'overlap':>23}")
    for label in LABELS:
        cells = []
        for mode in ("exact", "overlap"):
            r, t = _f1(rules, mode, label), _f1(trained, mode, label)
            cells.append(f"{r:7.3f} {t:8.3f} {t - r:+6.3f}")
        out.print(f"{label:10} {cells[0]}   {cells[1]}")


def _print_curve(points: list[dict[str, Any]]) -> None:
    out.print("Test F1 (exact) per fraction of the train split; the rules for reference:")
    out.print(f"{'fraction':>8} {'docs':>5} " + " ".join(f"{label[:9]:>9}" for label in LABELS))
    for p in points:
        out.print(f"{p['fraction']:8.0%} {p['train_documents']:5d} " + " ".join(f"{p['trained']['exact'][label]:9.3f}" for label in LABELS))
    rules = points[-1]["rules"]["exact"]
    out.print(f"{'rules':>8} {'':5} " + " ".join(f"{rules[label]:9.3f}" for label in LABELS))


def register(app: typer.Typer) -> None:
    app.command("train", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(train_cli)
