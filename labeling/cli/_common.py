"""What every command shares: the console, error handling, exit codes."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from ..errors import LabelingError

console = Console(stderr=True, highlight=False)
out = Console(highlight=False, soft_wrap=True)


def run_main(app: typer.Typer) -> None:
    """Run the app; a LabelingError becomes one message with its next step and its exit code.

    Usage errors, --help and Ctrl-C are handled by click's standalone mode.
    """
    try:
        app()
    except LabelingError as exc:
        console.print(f"[bold red]Error:[/] {escape(exc.message)}", soft_wrap=True)
        if exc.hint:
            console.print(f"  [bold]Next step:[/] {escape(exc.hint)}", soft_wrap=True)
        sys.exit(exc.exit_code)


def _no_progress(n: int = 1) -> None:
    pass


@contextmanager
def progress_bar(description: str, *, total: int | None = None, silent: bool = False) -> Iterator[Callable[[int], None]]:
    """A progress bar (count, rate, ETA when the total is known) that never forces a stream into memory.

    Yields `advance(n)`. Silent, or not a terminal: a no-op.
    """
    if silent or not console.is_terminal:
        yield _no_progress
        return
    columns = [
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}/s"),
        TimeRemainingColumn(),
        TimeElapsedColumn(),
    ]
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(description, total=total, rate="-")
        start = time.perf_counter()
        done = 0

        def advance(n: int = 1) -> None:
            nonlocal done
            done += n
            rate = done / max(time.perf_counter() - start, 1e-9)
            progress.update(task, advance=n, rate=f"{rate:,.0f}")

        yield advance
