"""Every command has help text with an example, and a README entry."""

from __future__ import annotations

import re

import click
import pytest
import typer

from labeling.cli import app

from .conftest import REPO, run_cli


def all_commands() -> list[tuple[str, click.Command]]:
    root = typer.main.get_command(app)
    found = []

    def walk(prefix: str, group) -> None:
        for name, cmd in group.commands.items():
            path = f"{prefix} {name}".strip()
            if hasattr(cmd, "commands"):
                walk(path, cmd)
            else:
                found.append((path, cmd))

    walk("", root)
    return found


COMMANDS = all_commands()


def test_the_pipeline_commands_exist():
    names = {name for name, _ in COMMANDS}
    assert {"server start", "server stop", "server status", "demo", "preannotate", "push", "pull", "evaluate"} <= names


@pytest.mark.parametrize("name,cmd", COMMANDS, ids=[n for n, _ in COMMANDS])
def test_command_has_help_with_an_example(name, cmd):
    text = cmd.help or ""
    assert len(text.split()) >= 5, f"`labeling {name}` has no real help text"
    assert re.search(rf"Example:\s+labeling {name}\b", text), f"`labeling {name}` help has no 'Example: labeling {name} ...'"


@pytest.mark.parametrize("name,cmd", COMMANDS, ids=[n for n, _ in COMMANDS])
def test_command_has_a_readme_entry(name, cmd):
    readme = (REPO / "README.md").read_text()
    assert re.search(rf"^#+ .*`labeling {re.escape(name)}", readme, re.M), f"README has no section heading for `labeling {name}`"


def test_every_command_group_has_an_example_in_its_help():
    groups = {name.split()[0] for name, _ in COMMANDS if " " in name}
    root = typer.main.get_command(app)
    for group in sorted(groups):
        text = root.commands[group].help or ""
        assert re.search(rf"Example:\s+labeling {group}\b", text), f"`labeling {group} --help` has no example"


def test_help_runs_without_loading_heavy_libraries():
    r = run_cli(["--help"])
    assert r.returncode == 0 and "push" in r.stdout
    r = run_cli(["push", "--help"])
    assert r.returncode == 0 and "Example: labeling push" in " ".join(r.stdout.split())
