"""`labeling demo`: the whole flow on the embedded default, with the next steps printed."""

from __future__ import annotations

from pathlib import Path

import typer

from ..demo import DEMO_PROJECT, run_demo
from ._common import Quiet, out, plural, starting_spinner


def demo_cli(
    port: int | None = typer.Option(None, "--port", "-p", help="Port for the local Label Studio (default 8080)."),
    project: str = typer.Option(DEMO_PROJECT, "--project", help="Project title."),
    articles: Path | None = typer.Option(None, "--articles", help="Directory of .txt articles (default: the bundled sample corpus)."),
    quiet: Quiet = False,
) -> None:
    """Start the local Label Studio, pre-annotate the sample corpus and push it into a project. Safe to re-run.

    Example: labeling demo
    """
    # here, not at the top: loads httpx (about 0.2 s at start-up)
    from ..studio.server import credentials_path, load_credentials

    with starting_spinner(quiet) as on_wait:
        r = run_demo(port=port, title=project, articles=articles, on_wait=on_wait)
    creds = load_credentials()
    assert creds is not None, "run_demo started the server, which wrote them"
    s = r.push
    out.print(f"Label Studio {r.server.version} at {r.server.url} ({'started' if r.server_started else 'already running'}).")
    out.print(
        f"Project {r.project_title!r} (id {r.project_id}): {plural(r.ingest.documents, 'article')} pre-annotated; "
        f"{plural(s.created, 'task')} created, {s.present} already present, {plural(s.predictions_added, 'prediction')} added, {len(s.skipped)} skipped."
    )
    spans = ", ".join(f"{count} {label}" for label, count in sorted(r.ingest.spans.items())) or "none"
    out.print(f"Suggestions: {spans} (model_version {s.model_versions[-1] if s.model_versions else '-'}).")
    out.print("")
    out.print(f"Log in at {r.server.url} as {creds.email}; the password is in {credentials_path()} (`labeling server login` shows it).")
    out.print("Next steps:")
    out.print(f"  1. Open {r.server.url}/projects/{r.project_id}/data, click a task, correct the suggestions, press Submit.")
    out.print(f"  2. labeling pull --project {project!r} --dataset demo   (writes exports/demo/v0001/)")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_cli)
