"""`labeling backend connect | status`: register `labeling serve` with a Label Studio project."""

from __future__ import annotations

import typer

from ._common import ProjectId, ProjectTitle, out

backend_app = typer.Typer(
    help='Connect a running `labeling serve` backend to a Label Studio project.\n\nExample: labeling backend connect --project "Conflict news" --url http://127.0.0.1:9090',
    no_args_is_help=True,
)


@backend_app.command("connect")
def connect_cli(
    project: ProjectTitle = None,
    project_id: ProjectId = None,
    url: str = typer.Option("http://127.0.0.1:9090", "--url", help="The backend's address as Label Studio reaches it."),
) -> None:
    """Connect the backend to a project and turn on suggestions when a task opens. Safe to repeat: a second run changes nothing.

    Example: labeling backend connect --project "Conflict news" --url http://127.0.0.1:9090
    """
    # here, not at the top: loads starlette and the Label Studio SDK (over a second at start-up)
    from ..serve.app import basic_auth_from_env
    from ..serve.connect import connect_backend
    from ..studio.client import Studio

    result = connect_backend(Studio.connect(), url=url, title=project, project_id=project_id, auth=basic_auth_from_env())
    out.print(
        f"Project {result.project_title!r} (id {result.project_id}): ML backend {result.backend.url} (id {result.backend.id}), model_version {result.model_version}"
    )
    for change in result.changes:
        out.print(f"  {change}")
    if not result.changes:
        out.print("  already connected; nothing changed")


@backend_app.command("status")
def status_cli(project: ProjectTitle = None, project_id: ProjectId = None) -> None:
    """Show the project's ML backends, their health, model_version and training state. Exit code 1 when none answers.

    Example: labeling backend status --project "Conflict news"
    """
    # here, not at the top: loads starlette and the Label Studio SDK (over a second at start-up)
    from ..serve.app import basic_auth_from_env
    from ..serve.connect import backend_status

    status = backend_status(_studio(), title=project, project_id=project_id, auth=basic_auth_from_env())
    s = status.settings
    out.print(
        f"Project {status.project_title!r} (id {status.project_id}): model_version {s['model_version'] or '(none)'!r}, show predictions {s['show_collab_predictions']}"
    )
    if not status.backends:
        out.print("  no ML backend connected (labeling backend connect --project TITLE --url URL)")
        raise typer.Exit(1)
    up = 0
    for b in status.backends:
        health = status.health.get(b.url)
        if isinstance(health, dict):
            up += 1
            training = health.get("training", {})
            out.print(f"  {b.url} (id {b.id}): {b.state} in Label Studio; up, model_version {health.get('model_version')}, training {training.get('state')}")
            if training.get("error"):
                out.print(f"    last training failed: {training['error']}")
            if health.get("model_version") != s["model_version"]:
                out.print("    the project's model_version differs: run `labeling backend connect` again so suggestions show on task open")
        else:
            out.print(f"  {b.url} (id {b.id}): {b.state} in Label Studio; not answering: {health}")
    if not up:
        raise typer.Exit(1)


def _studio():
    # here, not at the top: loads the Label Studio SDK (over a second at start-up)
    from ..studio.client import Studio

    return Studio.connect()


def register(app: typer.Typer) -> None:
    app.add_typer(backend_app, name="backend")
