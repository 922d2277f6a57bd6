"""A self-hosted Label Studio with its SSRF protection on (its default) refuses a backend on 127.0.0.1:
the user reads Label Studio's reason and the settings that allow it, never a message about the token."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from labeling.scheme import default_scheme
from labeling.studio import server
from labeling.studio.client import Studio
from labeling.studio.projects import ensure_project

from .conftest import run_cli
from .test_serve import start_backend, stop

_REUSE = os.environ.get("LABELING_TEST_REUSE")


@pytest.fixture(scope="module")
def guarded(tmp_path_factory) -> Iterator[tuple[Studio, dict[str, str]]]:
    """A second real Label Studio, started as a team would run it: local addresses blocked."""
    home = Path(_REUSE + "-ssrf") if _REUSE else tmp_path_factory.mktemp("ssrf-home")
    status = server.status(home)
    if not status.running:
        status, _ = server.start(home, port=server.free_port(), timeout=600, block_local_addresses=True)
    creds = server.load_credentials(home)
    assert creds is not None
    env = {k: v for k, v in os.environ.items() if k != "LABELING_HOME"}
    env.update(LABEL_STUDIO_URL=creds.url, LABEL_STUDIO_API_KEY=creds.token, COLUMNS="200")
    yield Studio(creds.url, creds.token), env
    if not _REUSE:
        assert server.stop(home)


def test_a_blocked_backend_address_shows_label_studios_reason_and_the_remedy(guarded, tmp_path):
    studio, env = guarded
    title = "ssrf: blocked backend"
    ensure_project(studio, default_scheme(), title=title)
    proc, url, _ = start_backend(env, tmp_path)
    try:
        r = run_cli(["backend", "connect", "--project", title, "--url", url], env=env)
    finally:
        stop(proc)
    assert r.returncode == 1, (r.stdout, r.stderr)
    text = " ".join(r.stderr.split())
    assert "URL resolves to a reserved network address (block: 127.0.0.0/8)" in text
    assert "ML_BLOCK_LOCAL_IP=false" in text and "SSRF_PROTECTION_ENABLED=false" in text
    assert "token" not in text.lower()
    assert studio.ml_backends(studio.find_project(title).id) == []


def test_a_wrong_token_on_the_same_server_still_says_token(guarded):
    _, env = guarded
    r = run_cli(["backend", "status", "--project", "ssrf: blocked backend"], env={**env, "LABEL_STUDIO_API_KEY": "0" * 40})
    assert r.returncode != 0
    assert "refused the API token" in r.stderr and "reserved network address" not in r.stderr
