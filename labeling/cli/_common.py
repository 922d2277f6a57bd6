"""What every command shares: the console, error handling, exit codes, and the options several commands take.

The shared options are typer `Annotated` aliases, declared once here (as
sqlite-utils declares its shared option decorators) and used as
`project: ProjectTitle = None`. Defaults come from the library's constants.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from typer.core import TyperOption

from ..errors import LabelingError

console = Console(stderr=True, highlight=False)
out = Console(highlight=False, soft_wrap=True)

ProjectTitle = Annotated[str | None, typer.Option("--project", "-p", help="Project title (exact match).", show_default=False)]
ProjectId = Annotated[int | None, typer.Option("--project-id", help="Project id, instead of the title.", show_default=False)]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", "--silent", help="No progress display; results and errors still print.")]
ExportsDir = Annotated[Path, typer.Option("--exports-dir", help="Where datasets live.")]
EXPORTS_DIR = Path("exports")

# Words a user may put after a flag (`--skip-invalid true`): a flag takes no value, so they land among the inputs.
_FLAG_VALUES = {"true", "false", "yes", "no", "on", "off", "1", "0"}


def plural(n: int, noun: str, plural_form: str | None = None) -> str:
    """`1 document`, `2 documents`: counts a user reads."""
    return f"{n} {noun if n == 1 else plural_form or noun + 's'}"


def reject_flag_values(inputs: list[str]) -> None:
    """Refuse `true`/`false` among the inputs when no such file exists: it was meant as a flag's value."""
    for item in inputs:
        if item.lower() in _FLAG_VALUES and not Path(item).exists():
            raise typer.BadParameter(
                f"{item!r} is not a file: flags such as --skip-invalid take no value (write --skip-invalid, not --skip-invalid {item}).",
                param_hint="INPUTS",
            )


def _flags_read_as_flags() -> None:
    """typer 0.29's rich help shows every flag as `--name <bool>`, as if it took a value (even --help): a flag shows no type."""
    shown = TyperOption.display_type_rich

    def display_type_rich(self: TyperOption, ctx) -> str | None:
        return None if self.is_flag else shown(self, ctx)

    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


_flags_read_as_flags()


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
def starting_spinner(quiet: bool) -> Iterator[Callable[[float], None] | None]:
    """The spinner shown while Label Studio starts; yields the `on_wait(seconds)` callback (None when quiet)."""
    if quiet:
        yield None
        return
    with console.status("Starting Label Studio (the first start runs database migrations, about 40 s)...") as spinner:
        yield lambda s: spinner.update(f"Waiting for Label Studio to answer... {s:.0f}s")


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
