"""`labeling server start | stop | status`: the embedded local Label Studio."""

from __future__ import annotations

from pathlib import Path

import typer

from ._common import Quiet, out, starting_spinner

server_app = typer.Typer(
    help="Run a local Label Studio (SQLite or PostgreSQL, 127.0.0.1 only) for this working directory.\n\nExample: labeling server start",
    no_args_is_help=True,
)

HomeOpt = typer.Option(None, "--home", help="State directory (default: .labeling/ here, or $LABELING_HOME).")


@server_app.command("start")
def start_cli(
    port: int | None = typer.Option(None, "--port", "-p", help="Port on 127.0.0.1 (default 8080, or the port used last time)."),
    home: Path | None = HomeOpt,
    timeout: float = typer.Option(300, help="Seconds to wait for the server to answer."),
    database_url: str | None = typer.Option(
        None, "--database-url", help="postgresql://USER@HOST:PORT/DB: run on PostgreSQL (remembered for later starts). No password in the URL."
    ),
    password_file: Path | None = typer.Option(
        None, "--database-password-file", help="File holding the database password (mode 0600). Default: $LABELING_DB_PASSWORD, then $PGPASSWORD."
    ),
    quiet: Quiet = False,
) -> None:
    """Start Label Studio in the background and wait until it answers.

    The first start creates an admin user with a generated password and API
    token in .labeling/credentials.json (mode 0600) and takes about 40 s.
    With --database-url it runs on PostgreSQL; the database is checked first
    (reachable, password, permission to create tables).

    Example: labeling server start --port 8080
    Example: PGPASSWORD=... labeling server start --database-url postgresql://labeling@127.0.0.1:5432/labeling
    """
    # here, not at the top: loads httpx (about 0.2 s at start-up)
    from ..studio.server import credentials_path, start

    first = not credentials_path(home).exists()
    with starting_spinner(quiet) as on_wait:
        status, started = start(
            home,
            port=port,
            timeout=timeout,
            on_wait=on_wait,
            database_url=database_url,
            password_file=password_file,
        )
    if not started:
        out.print(f"Label Studio is already running at {status.url} (pid {status.pid}, {status.database}); nothing to do.")
        return
    out.print(f"Label Studio {status.version} is running at {status.url} (pid {status.pid}); database: {status.database}.")
    note = "created" if first else "in"
    out.print(f"Login and API token {note}: {credentials_path(home)} (readable only by you).")


@server_app.command("stop")
def stop_cli(home: Path | None = HomeOpt) -> None:
    """Stop the Label Studio that `labeling server start` started here (and nothing else).

    Example: labeling server stop
    """
    # here, not at the top: loads httpx (about 0.2 s at start-up)
    from ..studio.server import stop

    if stop(home):
        out.print("Label Studio stopped.")
    else:
        out.print("No Label Studio started from here is running; nothing to stop.")


@server_app.command("status")
def status_cli(home: Path | None = HomeOpt) -> None:
    """Tell whether the embedded Label Studio runs, where, and which version. Exit code 1 when stopped.

    Example: labeling server status
    """
    # here, not at the top: loads httpx (about 0.2 s at start-up)
    from ..studio.server import status

    st = status(home)
    if st.running:
        out.print(f"running: {st.url} (pid {st.pid}, Label Studio {st.version or 'unknown'}, state in {st.home})")
        out.print(f"database: {st.database}")
    else:
        out.print(f"stopped (state in {st.home}; database: {st.database}). Start it with: labeling server start")
        raise typer.Exit(1)


@server_app.command("login")
def login_cli(home: Path | None = HomeOpt) -> None:
    """Show the embedded server's URL, login email and password (only when you ask for them).

    Example: labeling server login
    """
    # here, not at the top: loads httpx (about 0.2 s at start-up)
    from ..studio.server import load_credentials

    creds = load_credentials(home)
    if creds is None:
        out.print("No credentials yet. Start the server first: labeling server start")
        raise typer.Exit(1)
    out.print(f"url:      {creds.url}\nemail:    {creds.email}\npassword: {creds.password}")


def register(app: typer.Typer) -> None:
    app.add_typer(server_app, name="server")
