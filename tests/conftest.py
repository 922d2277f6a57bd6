"""One real Label Studio for the whole test run, started by the same code as `labeling server start`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from labeling.studio import server
from labeling.studio.client import Studio

REPO = Path(__file__).resolve().parent.parent


_STUDIO_FIXTURES = {"ls_server", "studio", "ls_env", "ls_home"}


def pytest_collection_modifyitems(items):
    """Mark every test that uses the real Label Studio, so `make check` (-m "not studio") runs the rest in seconds."""
    for item in items:
        if _STUDIO_FIXTURES & set(getattr(item, "fixturenames", ())) or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.studio)


# Development only: LABELING_TEST_REUSE=DIR keeps one Label Studio running in DIR across test runs
# (started on first use, never stopped), so an edit-test loop does not pay the ~1 min start each time.
# CI leaves it unset: a fresh server in a temp dir, stopped at the end.
# Under pytest-xdist (make test runs two workers) each worker has its own server: DIR-gw0, DIR-gw1.
_REUSE = os.environ.get("LABELING_TEST_REUSE")
if _REUSE and os.environ.get("PYTEST_XDIST_WORKER"):
    _REUSE = f"{_REUSE}-{os.environ['PYTEST_XDIST_WORKER']}"


@pytest.fixture(scope="session")
def ls_home(tmp_path_factory) -> Path:
    if _REUSE:
        Path(_REUSE).mkdir(parents=True, exist_ok=True)
        return Path(_REUSE).resolve()
    return tmp_path_factory.mktemp("labeling-home")


@pytest.fixture(scope="session")
def ls_server(ls_home):
    """A running Label Studio on a free port in a temp dir; stopped at the end of the session."""
    running = server.status(ls_home) if _REUSE else None
    if running is not None and running.running:
        yield running
        return
    status, started = server.start(ls_home, port=server.free_port(), timeout=600)
    assert status.running and (started or _REUSE)
    yield status
    if not _REUSE:
        assert server.stop(ls_home)


@pytest.fixture(scope="session")
def studio(ls_server, ls_home) -> Studio:
    creds = server.load_credentials(ls_home)
    return Studio(creds.url, creds.token)


@pytest.fixture(scope="session")
def ls_env(ls_server, ls_home) -> dict[str, str]:
    """Environment for running the CLI in a subprocess against the test server (via the embedded credentials)."""
    env = dict(os.environ)
    env.pop("LABEL_STUDIO_URL", None)
    env.pop("LABEL_STUDIO_API_KEY", None)
    env["LABELING_HOME"] = str(ls_home)
    env["COLUMNS"] = "200"
    return env


def run_cli(args: list[str], env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 600):
    """Run `python -m labeling ARGS` as a user would; returns the CompletedProcess."""
    import subprocess

    return subprocess.run(
        [sys.executable, "-m", "labeling", *args],
        env=env or {**os.environ, "COLUMNS": "200"},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
