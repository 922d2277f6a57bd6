"""`labeling review`: documents whose annotators disagree, queued in a review project for adjudication."""

from __future__ import annotations

from contextlib import nullcontext

import typer
from rich.markup import escape

from ._common import ProjectId, ProjectTitle, Quiet, console, out


def review_cli(
    project: ProjectTitle = None,
    project_id: ProjectId = None,
    review_project: str | None = typer.Option(None, "--review-project", help='Review project title (default: "PROJECT (review)"; created if missing).'),
    min_disagreement: int = typer.Option(1, "--min-disagreement", help="Review only documents with at least this many differing spans and relations."),
    quiet: Quiet = False,
) -> None:
    """Put every document whose annotators disagree into a review project, each annotator's version as a prediction.

    The reviewer opens the review project in Label Studio, switches between the
    annotators' versions (predictions named after them), corrects the starting
    point (what they agree on) and submits. Re-running adds only new
    disagreements. Then: labeling pull --project P --dataset D --policy adjudicated

    Example: labeling review --project "Conflict news"
    """
    # here, not at the top: loads the Label Studio SDK (over a second at start-up)
    from ..review.run import review
    from ..studio.client import Studio

    studio = Studio.connect()
    with nullcontext() if quiet else console.status("Exporting the project and comparing annotators..."):
        r = review(studio, project=project, project_id=project_id, review_project=review_project, min_disagreement=min_disagreement)
    rp = r.review_project
    made = "created" if r.created_project else "existing"
    out.print(
        f"{r.multi_annotated} document(s) with 2+ annotations: {r.agreed} agreed, {r.multi_annotated - r.agreed} disagree"
        + (f" ({r.below_threshold} by less than --min-disagreement)" if r.below_threshold else "")
        + "; "
        + f"{len(r.added)} added to {made} review project {rp.title!r} (id {rp.id}), {r.already} already there, {r.decided} decided."
    )
    if r.changed:
        shown = ", ".join(escape(d) for d in r.changed[:20])
        console.print(f"[yellow]{len(r.changed)} document(s) changed after their review task was made[/] (not re-queued; check them): {shown}", soft_wrap=True)
    out.print(f"Review at {studio.url}/projects/{rp.id}/data")


def register(app: typer.Typer) -> None:
    app.command("review")(review_cli)
