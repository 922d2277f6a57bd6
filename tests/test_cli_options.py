"""The command line reads as a user expects: flags are flags, shared options are the same everywhere, progress can be silenced."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from labeling.cli import app

from .conftest import REPO, run_cli
from .test_cli_docs import COMMANDS

runner = CliRunner()


@pytest.mark.parametrize("name", [n for n, _ in COMMANDS])
def test_flags_show_no_value_in_help(name):
    r = runner.invoke(app, [*name.split(), "--help"], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert "<bool>" not in r.output, f"`labeling {name} --help` shows a flag as taking a value"


@pytest.mark.parametrize("name", ["preannotate", "push", "pull", "train", "report", "demo", "server start"])
def test_commands_with_progress_take_quiet(name):
    r = runner.invoke(app, [*name.split(), "--help"], env={"COLUMNS": "200"})
    assert "--quiet" in r.output and " -q " in r.output, f"`labeling {name}` has no -q"


@pytest.mark.parametrize("shared", ["--project-id", "--exports-dir"])
def test_a_shared_option_reads_the_same_in_every_command(shared):
    helps = set()
    for _, cmd in COMMANDS:
        for param in cmd.params:
            if shared in getattr(param, "opts", ()):
                helps.add((param.help, str(param.default)))
    assert len(helps) == 1, helps


def test_a_value_after_a_flag_is_refused_not_read_as_a_file(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("Rebels fired rockets at the town, officials said.")
    out = tmp_path / "tasks.jsonl"
    r = run_cli(["preannotate", str(article), "--skip-invalid", "true", "-o", str(out)], cwd=REPO)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "take no value" in r.stderr and "--skip-invalid" in r.stderr
    assert "no such file" not in r.stderr.lower()
    assert not out.exists()
    r = run_cli(["preannotate", str(article), "--skip-invalid", "-o", str(out), "-q"], cwd=REPO)
    assert r.returncode == 0, r.stderr
    assert out.exists() and "Wrote 1 tasks" in r.stdout
