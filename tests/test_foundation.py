"""The foundation: scheme -> Label Studio config, the embedded server, connecting, errors."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from labeling.errors import AuthFailed, ConnectionFailed
from labeling.scheme import default_scheme, load_scheme, parse_label_config
from labeling.studio.client import Studio
from labeling.studio.projects import ensure_project

from .conftest import REPO, run_cli
from .helpers import raw_sdk


def test_scheme_file_holds_the_four_labels_and_the_relation():
    """The config file carries exactly the labels and relation of the written scheme (configs/guidelines.md explains them)."""
    scheme = default_scheme()
    assert scheme.label_names == ("ACTOR", "WEAPON", "CLAIM", "SOURCE")
    (rel,) = scheme.relations
    assert (rel.name, rel.head, rel.child) == ("attributed_to", "CLAIM", "SOURCE")
    guidelines = (REPO / "configs" / "guidelines.md").read_text(encoding="utf-8")
    assert all(name in guidelines for name in scheme.label_names)


def test_bad_scheme_file_names_the_file(tmp_path):
    bad = tmp_path / "scheme.toml"
    bad.write_text('name = "x"\nversion = 1\n[[labels]]\nname = "A"\nhotkey = "a"\ncolor = "#fff"\n[[relations]]\nname = "r"\nfrom = "A"\nto = "B"\n')
    with pytest.raises(Exception) as err:
        load_scheme(bad)
    assert str(bad) in str(err.value) and "'B'" in str(err.value)


def test_real_label_studio_accepts_generated_config(studio: Studio):
    scheme = default_scheme()
    result = ensure_project(studio, scheme, title="Foundation: config check")
    assert result.created
    project = studio.get_project(result.project.id)
    config = parse_label_config(project.label_config)
    labels, relations = config.all_labels(), config.relations
    assert labels == {l.name: (l.color, l.hotkey) for l in scheme.labels}
    assert relations == {"attributed_to"}
    raw = raw_sdk(studio).projects.get(id=project.id)
    assert raw.show_instruction is True
    assert "attributed_to" in raw.expert_instruction and "<h" in raw.expert_instruction  # rendered guidelines
    assert f"v{scheme.version}" in project.description
    # Label Studio's own parser sees the four labels with hotkeys:
    parsed = raw_sdk(studio).projects.get(id=project.id).parsed_label_config
    assert set(parsed["label"]["labels"]) == set(scheme.label_names)


def test_title_match_is_exact(studio: Studio):
    scheme = default_scheme()
    ensure_project(studio, scheme, title="Exact title project")
    assert studio.find_project("Exact title") is None
    assert studio.find_project("Exact title project").title == "Exact title project"


def test_credentials_file_is_private(ls_server, ls_home):
    path = ls_home / "credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    creds = json.loads(path.read_text())
    assert creds["url"].startswith("http://127.0.0.1:")
    assert len(creds["token"]) >= 40 and len(creds["password"]) >= 16


def test_server_binds_loopback_only(ls_server):
    port = int(ls_server.url.rsplit(":", 1)[1])
    conns = Path("/proc/net/tcp").read_text().splitlines()[1:]
    listening = [line.split() for line in conns if line.split()[3] == "0A"]  # state LISTEN
    ours = [cols[1] for cols in listening if int(cols[1].split(":")[1], 16) == port]
    assert ours and all(addr.startswith("0100007F:") for addr in ours)  # 127.0.0.1


def test_signup_without_invite_is_disabled(ls_server, studio):
    """A stranger filling in the sign-up form (with a valid CSRF token) gets no account."""
    import re

    import httpx

    with httpx.Client(base_url=ls_server.url) as web:
        page = web.get("/user/signup/")
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        data = {"email": "intruder@example.com", "password": "intruder-pass-123", "allow_newsletters": "false"}
        if csrf:
            data["csrfmiddlewaretoken"] = csrf.group(1)
        web.post("/user/signup/", data=data, headers={"Referer": f"{ls_server.url}/user/signup/"})
    emails = {u.email for u in raw_sdk(studio).users.list()}
    assert "intruder@example.com" not in emails
    assert "admin@labeling.local" in emails


@pytest.mark.studio
def test_second_start_is_a_no_op_then_stop_and_restart(tmp_path):
    """On a server of its own: stopping the session's server would pull it from under the other tests."""
    from labeling.studio import server

    env = {k: v for k, v in os.environ.items() if k not in ("LABEL_STUDIO_URL", "LABEL_STUDIO_API_KEY")}
    env |= {"LABELING_HOME": str(tmp_path / "own"), "COLUMNS": "200"}
    port = str(server.free_port())
    try:
        first = run_cli(["server", "start", "--port", port], env=env, timeout=900)
        assert first.returncode == 0, first.stderr
        url = f"http://127.0.0.1:{port}"
        again = run_cli(["server", "start"], env=env)
        assert again.returncode == 0 and "already running" in again.stdout
        st = run_cli(["server", "status"], env=env)
        assert st.returncode == 0 and url in st.stdout and "1.23" in st.stdout

        stopped = run_cli(["server", "stop"], env=env)
        assert stopped.returncode == 0 and "stopped" in stopped.stdout
        st = run_cli(["server", "status"], env=env)
        assert st.returncode == 1 and "stopped" in st.stdout
        assert "nothing to stop" in run_cli(["server", "stop"], env=env).stdout

        restarted = run_cli(["server", "start"], env=env, timeout=900)
        assert restarted.returncode == 0 and url in restarted.stdout  # the port used last time
        for out in (first, again, stopped, restarted):
            assert_no_secrets(out.stdout + out.stderr, tmp_path / "own")
    finally:
        run_cli(["server", "stop"], env=env)


def assert_no_secrets(text: str, home: Path) -> None:
    creds = json.loads((home / "credentials.json").read_text())
    assert creds["token"] not in text and creds["password"] not in text


def test_server_log_holds_no_secrets(ls_server, ls_home):
    assert_no_secrets((ls_home / "server.log").read_text(errors="replace"), ls_home)


def test_refused_connection_says_start_the_server():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening: connections are refused
        with pytest.raises(ConnectionFailed) as err:
            Studio(f"http://127.0.0.1:{port}", "x" * 40)
    assert "labeling server start" in err.value.hint


def test_bad_token_is_refused_clearly(ls_server):
    with pytest.raises(AuthFailed) as err:
        Studio(ls_server.url, "0" * 40)
    assert "LABEL_STUDIO_API_KEY" in err.value.hint


def test_wrong_url_path_is_not_label_studio(ls_server, ls_home):
    creds = json.loads((ls_home / "credentials.json").read_text())
    with pytest.raises(ConnectionFailed) as err:
        Studio(ls_server.url + "/some/path", creds["token"])
    assert "LABEL_STUDIO_URL" in err.value.hint


def test_personal_access_token_works(studio: Studio, ls_server):
    """Label Studio's personal access tokens (JWT refresh tokens) work like legacy tokens."""
    sdk = raw_sdk(studio)
    settings = sdk.jwt_settings.get()
    sdk.jwt_settings.update(api_tokens_enabled=True, legacy_api_tokens_enabled=True, api_token_ttl_days=settings.api_token_ttl_days or 30)
    pat = sdk.tokens.create().token
    assert Studio(ls_server.url, pat).version.startswith("1.23")


def test_cli_error_for_bad_token_is_one_message(ls_server, ls_env):
    env = {**ls_env, "LABEL_STUDIO_URL": ls_server.url, "LABEL_STUDIO_API_KEY": "f" * 40}
    r = run_cli(["push", str(REPO / "data" / "sample" / "articles"), "--project", "x"], env=env)
    assert r.returncode != 0
    assert "refused the API token" in r.stderr and "Traceback" not in r.stderr


def test_newcomer_without_a_server_is_told_to_start_one(tmp_path):
    """No env settings and no embedded server yet: the message says `labeling server start`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABEL_STUDIO_")}
    env.update(LABELING_HOME=str(tmp_path / "never-started"), COLUMNS="200")
    r = run_cli(["pull", "--project", "Conflict news", "--dataset", "x", "--exports-dir", str(tmp_path)], env=env)
    assert r.returncode == 1
    assert "labeling server start" in r.stderr and "Traceback" not in r.stderr


def test_stopped_embedded_server_is_reported_as_unreachable(tmp_path):
    """Credentials exist but the server is down (e.g. after a reboot): say so and how to start it."""
    import socket

    home = tmp_path / "home"
    home.mkdir()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
        (home / "credentials.json").write_text(json.dumps({"url": url, "email": "a@b.c", "password": "p" * 20, "token": "t" * 40}))
        env = {k: v for k, v in os.environ.items() if not k.startswith("LABEL_STUDIO_")}
        env.update(LABELING_HOME=str(home), COLUMNS="200")
        r = run_cli(["push", str(REPO / "data" / "sample" / "articles"), "--project", "x"], env=env)
    assert r.returncode == 1
    assert "Cannot reach Label Studio" in r.stderr and "labeling server start" in r.stderr
    assert "t" * 40 not in r.stderr + r.stdout and "p" * 20 not in r.stderr + r.stdout
