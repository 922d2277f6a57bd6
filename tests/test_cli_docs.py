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


DOC_FILES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
ROOT = typer.main.get_command(app)


def _invocations(text: str) -> list[str]:
    """`labeling ...` as the docs show it: lines of code blocks (or after `$ `) and inline code spans."""
    found = []
    in_block = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_block = not in_block
            continue
        if in_block:
            stripped = line.strip().removeprefix("$ ")
            if stripped.startswith("labeling "):
                found.append(stripped.split("#")[0])
        else:
            found += [span for span in re.findall(r"`(labeling [^`]+)`", line)]
    return found


def _resolve(words: list[str]) -> tuple[str, click.Command | None]:
    """The command a shown invocation names (a group alone is a command too), and the words it consumed."""
    cmd: click.Command = ROOT
    path = []
    for word in words:
        sub = getattr(cmd, "commands", {}).get(word)
        if sub is None:
            break
        cmd, path = sub, [*path, word]
    return " ".join(path), (cmd if path else None)


@pytest.mark.parametrize("doc", DOC_FILES, ids=[p.name for p in DOC_FILES])
def test_every_command_and_option_the_docs_show_exists(doc):
    for shown in _invocations(doc.read_text(encoding="utf-8")):
        words = shown.split()[1:]
        name, cmd = _resolve([w for w in words if not w.startswith("-")][:2])
        assert cmd is not None, f"{doc.name}: `{shown}` names no labeling command"
        known = {o for p in cmd.params for o in (*getattr(p, "opts", ()), *getattr(p, "secondary_opts", ()))} | {"--help"}
        for word in words:
            option = word.strip("[]()|,.;:").split("=")[0]
            if re.fullmatch(r"--?[a-z][\w-]*", option) and not option.startswith("--training.") and not option.startswith("--components."):
                assert option in known, f"{doc.name}: `{shown}`: `labeling {name}` has no option {option}"
