"""`labeling demo`: the whole flow on the embedded default, with the next steps printed."""

from __future__ import annotations

from pathlib import Path

import typer

from ._common import console, out


def demo_cli(
    port: int | None = typer.Option(None, "--port", "-p", help="Port for the local Label Studio (default 8080)."),
    project: str = typer.Option("Conflict news (demo)", "--project", help="Project title."),
    articles: Path | None = typer.Option(None, help="Directory of .txt articles (default: the bundled sample corpus)."),
) -> None:
    """Start the local Label Studio, pre-annotate the sample corpus and push it into a project. Safe to re-run.

    Example: labeling demo
    """
    from ..demo import run_demo
    from ..studio.server import credentials_path, load_credentials

    with console.status("Starting Label Studio (the first start runs database migrations, about 40 s)...") as spinner:
        waited = lambda s: spinner.update(f"Waiting for Label Studio to answer... {s:.0f}s")  # noqa: E731
        r = run_demo(port=port, title=project, articles=articles, on_wait=waited)
    creds = load_credentials()
    assert creds is not None, "run_demo started the server, which wrote them"
    s = r.push
    out.print(f"Label Studio {r.server.version} at {r.server.url} ({'started' if r.server_started else 'already running'}).")
    out.print(
        f"Project {r.project_title!r} (id {r.project_id}): {r.ingest.documents} articles pre-annotated; "
        f"created {s.created}, already present {s.present}, predictions added {s.predictions_added}, skipped {len(s.skipped)}."
    )
    out.print(f"Suggestions: {dict(sorted(r.ingest.spans.items()))} from model_version {s.model_versions[-1] if s.model_versions else '-'}")
    out.print("")
    out.print(f"Log in at {r.server.url} as {creds.email}; the password is in {credentials_path()} (`labeling server login` shows it).")
    out.print("Next steps:")
    out.print(f"  1. Open {r.server.url}/projects/{r.project_id}/data, click a task, correct the suggestions, press Submit.")
    out.print(f"  2. labeling pull --project {project!r} --dataset demo   (writes exports/demo/v0001/)")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_cli)
