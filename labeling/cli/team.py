"""`labeling team`: annotator accounts and overlap on Label Studio Community."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from ._common import ProjectId, ProjectTitle, out

team_app = typer.Typer(
    help="Annotator accounts and overlap (several annotators per document).\n\nExample: labeling team add ana@example.org", no_args_is_help=True
)


@team_app.command("add")
def add_cli(
    email: str = typer.Argument(..., help="The annotator's email: their login."),
    password_file: Path | None = typer.Option(
        None, "--password-file", help="Read the password from this file (mode 600). Default: generate one into LABELING_HOME/team/EMAIL.password."
    ),
) -> None:
    """Create an annotator account; they log in at the Label Studio URL with the password in the file.

    Example: labeling team add ana@example.org
    """
    # here, not at the top: loads the Label Studio SDK (over a second at start-up)
    from ..studio.client import Studio
    from ..studio.users import add_member

    studio = Studio.connect()
    added = add_member(studio, email, password_file=password_file)
    out.print(f"Created {added.email} (user id {added.user_id}) on {studio.url}.")
    where = "Generated a password into" if added.generated else "The password is the one in"
    out.print(f"{where} {added.password_file} (mode 600): hand it over privately; they log in at {studio.url}/user/login/")


@team_app.command("list")
def list_cli() -> None:
    """Every member of the organisation with the tasks they annotated (or skipped) per project.

    Example: labeling team list
    """
    # here, not at the top: loads the Label Studio SDK (over a second at start-up)
    from ..studio.client import Studio
    from ..studio.users import list_members

    studio = Studio.connect()
    table = Table(title=f"Team on {studio.url}", title_justify="left")
    for col in ("Id", "Email", "Tasks annotated per project"):
        table.add_column(col)
    for m in list_members(studio):
        done = ", ".join(f"{title}: {n}" for title, n in sorted(m.done.items())) or "-"
        table.add_row(str(m.id), m.email, done)
    out.print(table)


@team_app.command("overlap")
def overlap_cli(
    annotators: int = typer.Argument(..., help="Different annotators per document (Label Studio's maximum_annotations)."),
    project: ProjectTitle = None,
    project_id: ProjectId = None,
    share: int = typer.Option(100, "--overlap-share", min=0, max=100, help="Percentage of documents under overlap (overlap_cohort_percentage)."),
) -> None:
    """Change how many annotators each document of an existing project goes to.

    Example: labeling team overlap 2 --project "Conflict news"
    """
    # here, not at the top: loads the Label Studio SDK (over a second at start-up)
    from ..studio.client import Studio
    from ..studio.users import set_overlap

    k, pct = set_overlap(Studio.connect(), annotators=annotators, share=share, title=project, project_id=project_id)
    out.print(f"Overlap: each document goes to {k} annotator(s), for {pct} % of the documents.")


def register(app: typer.Typer) -> None:
    app.add_typer(team_app, name="team")
