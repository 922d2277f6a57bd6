"""`labeling learned`: what annotators taught a project, and its export as a gazetteer."""

from __future__ import annotations

from pathlib import Path

import typer

from ..learn.export import gazetteer_toml, weapon_patterns
from ..storage import atomic_write
from ._common import console, out


def learned_cli(
    project: str = typer.Argument(..., help="Label Studio project: exact title or id."),
    export: Path | None = typer.Option(None, "--export", help="Write the learned ACTOR texts as a gazetteer (configs/actors.toml format)."),
    export_weapons: Path | None = typer.Option(
        None, "--export-weapons", help="Write the learned WEAPON texts as weapon patterns (configs/weapons.jsonl format)."
    ),
) -> None:
    """List what annotators taught the project (text, label, evidence), rebuilt from Label Studio now.

    Example: labeling learned "Conflict news" --export learned-actors.toml
    """
    # here, not at the top: loads the Label Studio SDK (over a second at start-up)
    from ..learn.build import memory_of
    from ..studio.client import Studio

    memory, report = memory_of(Studio.connect(), project)
    console.print(f"Memory: {report.describe()}", soft_wrap=True)
    t = memory.thresholds
    out.print(f"model_version suffix: {memory.model_version('') or '(none: empty memory)'}")
    out.print(f"learned (labelled >= {t.min_labelled}, share >= {t.min_share}, missed by the model in >= {t.min_missed_share:.0%}): {len(memory.learned())}")
    for (text, label), e in sorted(memory.learned().items(), key=lambda kv: (kv[0][1], -kv[1].labelled, kv[0][0])):
        out.print(f"  {label:<7} {text!r}: labelled {e.labelled}, seen {e.seen}, rejected {e.rejected}, share {e.share:.2f}, found by the model {e.found}")
    out.print(f"forgotten (rejected >= {t.forget_min_rejected}, more often than kept): {len(memory.forgotten())}")
    for (text, label), e in sorted(memory.forgotten().items()):
        out.print(f"  {label:<7} {text!r}: labelled {e.labelled}, rejected {e.rejected}")
    for path, content in (
        (export, gazetteer_toml(memory, source=f"{report.project_title!r} (id {report.project_id})")),
        (export_weapons, weapon_patterns(memory)),
    ):
        if path is not None:
            with atomic_write(str(path)) as fh:
                fh.write(content)
            out.print(f"Wrote {path}")


def register(app: typer.Typer) -> None:
    app.command("learned")(learned_cli)
