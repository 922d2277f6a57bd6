"""The `labeling` command: a thin layer over the library.

One module per command; each parses options, calls its library twin and turns
typed errors into one clear message and an exit code. Heavy imports (spaCy,
the Label Studio SDK) happen inside the commands, so `--help` is instant.
"""

from __future__ import annotations

import typer

from ._common import run_main

app = typer.Typer(
    name="labeling",
    help="Pre-annotate conflict news with spaCy, correct it in Label Studio, pull versioned training sets.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

from . import backend, datasets, demo, evaluate, learned, preannotate, pull, push, report, review, serve, server, team, train

for _module in (server, demo, preannotate, push, pull, datasets, train, evaluate, report, serve, backend, learned, team, review):
    _module.register(app)


def main() -> None:
    run_main(app)
