"""`labeling pull`: corrected annotations from Label Studio into the next dataset version."""

from __future__ import annotations

from contextlib import nullcontext
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from ..pull.policy import FALLBACKS, POLICIES
from ._common import EXPORTS_DIR, ExportsDir, ProjectId, ProjectTitle, Quiet, console, out, plural

if TYPE_CHECKING:
    from ..pull.run import PullResult

DEFAULT_RATIOS = "0.8,0.1,0.1"

SHOW_ISSUES = 20


def pull_cli(
    dataset: str = typer.Option(..., "--dataset", "-d", help="Dataset name: versions go to EXPORTS_DIR/NAME/vNNNN/."),
    project: ProjectTitle = None,
    project_id: ProjectId = None,
    policy: str = typer.Option(POLICIES[0], "--policy", help=f"Which annotation counts per task: {', '.join(POLICIES)}."),
    fallback: str = typer.Option(FALLBACKS[0], "--fallback", help=f"With --policy adjudicated: for disagreements nobody reviewed, {' or '.join(FALLBACKS)}."),
    review_project: str | None = typer.Option(None, "--review-project", help='With --policy adjudicated: the review project (default "PROJECT (review)").'),
    exports_dir: ExportsDir = EXPORTS_DIR,
    ratios: str = typer.Option(DEFAULT_RATIOS, "--ratios", help="train,dev,test ratios for new documents."),
    unfreeze_test: bool = typer.Option(False, "--unfreeze-test", help="Let new documents enter test and missing ones leave it."),
    quiet: Quiet = False,
) -> None:
    """Export a project's annotations and write them as a new immutable dataset version.

    Nothing is written when the content equals the latest version. Invalid
    regions and relations are reported with task and annotation ids.

    Example: labeling pull --project "Conflict news" --dataset conflict --policy latest
    """
    # Imported here, not at the top: both load the Label Studio SDK (over a second), which `--help` does not need.
    from ..pull.run import parse_ratios, pull
    from ..studio.client import Studio

    parsed = parse_ratios(ratios)
    studio = Studio.connect()
    status = nullcontext() if quiet else console.status("Exporting from Label Studio...")
    with status as spinner:
        on_task = None if spinner is None else (lambda n: spinner.update(f"Reading the export: {n} tasks...") if n % 100 == 0 else None)
        result = pull(
            studio,
            dataset=dataset,
            project=project,
            project_id=project_id,
            policy=policy,
            exports_dir=exports_dir,
            ratios=parsed,
            unfreeze_test=unfreeze_test,
            on_task=on_task,
            fallback=fallback,
            review_project=review_project,
        )
    _report(result, dataset)


def _report(result: PullResult, dataset: str) -> None:
    """What the pull read, what it flagged, and what it wrote."""
    t = result.tasks
    out.print(
        f"Tasks: {t['total']} in the project, {t['annotated']} annotated, "
        f"{t['skipped']} skipped (only cancelled annotations), {t['unannotated']} not annotated; "
        f"{t['skipped'] + t['unannotated']} left out."
    )
    _report_issues(result)
    counts = ", ".join(f"{k} {v}" for k, v in result.counts.items())
    if result.version is None:
        out.print(f"No change since {dataset}@{result.same_as} ({counts}); no new version written.")
        return
    out.print(f"Wrote {result.path} ({counts}).")
    if rules := result.rules:
        out.print("Documents by rule: " + ", ".join(f"{k} {v}" for k, v in rules.items()))
    out.print(f"Check it: labeling datasets show {dataset}@{result.version}")


def _report_issues(result: PullResult) -> None:
    for issue in result.issues[:SHOW_ISSUES]:
        console.print(
            f"[yellow]{issue.kind}[/] ({issue.action}) task {issue.task_id} annotation {issue.annotation_id} "
            f"doc {escape(issue.doc_id)}: {escape(issue.detail)}",
            soft_wrap=True,
        )
    if len(result.issues) > SHOW_ISSUES:
        console.print(f"... and {len(result.issues) - SHOW_ISSUES} more issues (counted in the manifest).")
    if result.misaligned:
        shown = ", ".join(f"{d}:{s}" for d, s in result.misaligned[:10])
        console.print(f"[yellow]{plural(len(result.misaligned), 'span')} not on token boundaries[/] (flagged `misaligned`, offsets kept): {shown}")
    if result.held_out:
        console.print(f"Held out {plural(len(result.held_out), 'new near-duplicate')} of frozen test documents: {', '.join(result.held_out[:10])}")
    if result.carried_over:
        console.print(f"Kept {plural(len(result.carried_over), 'frozen test document')} missing from the export: {', '.join(result.carried_over[:10])}")


def register(app: typer.Typer) -> None:
    app.command("pull")(pull_cli)
