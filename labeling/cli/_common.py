"""What every command shares: the console, error handling, exit codes."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from ..errors import LabelingError

console = Console(stderr=True, highlight=False)
out = Console(highlight=False, soft_wrap=True)


def run_main(app: typer.Typer) -> None:
    """Run the app; a LabelingError becomes one message with its next step and exit code."""
    try:
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except LabelingError as exc:
        console.print(f"[bold red]Error:[/] {exc.message}", soft_wrap=True)
        if exc.hint:
            console.print(f"  [bold]Next step:[/] {exc.hint}", soft_wrap=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        console.print("Interrupted. Nothing half-written was kept; re-run the command to finish.")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.exit(1)
    except Exception as exc:  # click usage errors
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
