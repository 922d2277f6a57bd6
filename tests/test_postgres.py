"""Label Studio on PostgreSQL: `labeling server start --database-url`, and the push/pull guarantees on it.

A throwaway PostgreSQL cluster (tests/postgres.py) and a Label Studio started on
it by the same code as `labeling server start`. The module overrides the
`studio` and `ls_env` fixtures, so the push, reliability and concurrency tests
imported below run unchanged against it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from labeling.scheme import default_scheme
from labeling.studio import server
from labeling.studio.client import Studio
from labeling.studio.projects import ensure_project

from . import test_concurrent_push, test_push
from .conftest import REPO, run_cli
from .helpers import add_documents
from .postgres import Cluster, start_cluster

# The SQLite suite's guarantees, re-run here against PostgreSQL.
test_pg_first_push_then_repush_creates_none = test_push.test_first_push_creates_tasks_with_visible_predictions_second_creates_none
test_pg_new_model_version_adds_predictions = test_push.test_new_model_version_adds_predictions_not_tasks_and_keeps_annotations
test_pg_push_killed_midway_then_rerun = test_push.test_push_killed_midway_then_rerun_ends_with_exactly_n
new_title_tasks = test_concurrent_push.new_title_tasks


def test_pg_two_simultaneous_pushes_make_one_project(studio, ls_env, new_title_tasks):
    test_concurrent_push.test_simultaneous_pushes_into_a_new_title_make_one_project_with_one_task_per_document(studio, ls_env, new_title_tasks, 2)


def test_pg_two_pushes_with_small_batches_into_an_existing_project_converge(studio, ls_env, tmp_path):
    # Two rounds, not SQLite's three: the race is the toolkit's, not the database's; SQLite keeps the deeper search.
    test_concurrent_push.race_into_existing_project(studio, ls_env, tmp_path, rounds=2)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    c = start_cluster()  # fails loudly when PostgreSQL is not installed: make test installs it
    yield c
    c.stop()


@pytest.fixture(scope="module")
def pg_home(cluster: Cluster, tmp_path_factory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("pg-home")
    secret = home.parent / "pg-password"
    secret.write_text(cluster.password + "\n")
    secret.chmod(0o600)
    status, started = server.start(home, port=server.free_port(), timeout=900, database_url=cluster.url(), password_file=secret)
    assert started and status.database == f"PostgreSQL labeling@127.0.0.1:{cluster.port}/labeling"
    yield home
    assert server.stop(home)


@pytest.fixture(scope="module")
def studio(pg_home) -> Studio:
    creds = server.load_credentials(pg_home)
    assert creds is not None
    return Studio(creds.url, creds.token)


@pytest.fixture(scope="module")
def ls_env(pg_home) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("LABEL_STUDIO_URL", "LABEL_STUDIO_API_KEY", "PGPASSWORD", "LABELING_DB_PASSWORD")}
    return {**env, "LABELING_HOME": str(pg_home), "COLUMNS": "200"}


def test_label_studio_really_stores_its_data_in_postgres(studio, cluster, pg_home, ls_env):
    project = ensure_project(studio, default_scheme(), title="pg: where").project
    out = cluster.run("psql", "-h", str(cluster.root), "-p", str(cluster.port), "-U", "postgres", "-d", "labeling", "-tAc", "SELECT title FROM project")
    assert "pg: where" in out.stdout.splitlines()
    assert not (pg_home / "data" / "label_studio.sqlite3").exists()
    r = run_cli(["server", "status"], env=ls_env)
    assert r.returncode == 0 and f"database: PostgreSQL labeling@127.0.0.1:{cluster.port}/labeling" in r.stdout
    assert project.id > 0


def test_password_never_lands_in_state_logs_or_argv(pg_home, cluster):
    for path in pg_home.rglob("*"):
        if path.is_file() and path.stat().st_size < 50_000_000:
            assert cluster.password.encode() not in path.read_bytes(), path
    saved = json.loads((pg_home / "database.json").read_text())
    assert saved["url"] == cluster.url()
    pid = json.loads((pg_home / "server.json").read_text())["pid"]
    assert cluster.password.encode() not in Path(f"/proc/{pid}/cmdline").read_bytes()


def test_pull_without_changes_writes_no_new_version(studio, ls_env, tmp_path):
    recs = [json.loads(l) for l in (REPO / "data" / "sample" / "gold.jsonl").read_text(encoding="utf-8").splitlines()[:4]]
    project = ensure_project(studio, default_scheme(), title="pg: pull").project
    add_documents(studio, project.id, recs)
    args = ["pull", "--project", "pg: pull", "--dataset", "pg", "--silent"]
    first = run_cli(args, env=ls_env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    again = run_cli(args, env=ls_env, cwd=tmp_path)
    assert again.returncode == 0 and "No change since pg@v0001" in again.stdout, again.stderr
    assert sorted(p.name for p in (tmp_path / "exports" / "pg").iterdir() if p.name.startswith("v")) == ["v0001"]
    assert run_cli(["datasets", "verify", "pg"], cwd=tmp_path).returncode == 0


# -- bad database settings: a clear error before Label Studio starts, no secret in it ---------


def _start(home: Path, *args: str, env: dict[str, str] | None = None):
    base = {k: v for k, v in os.environ.items() if k not in ("PGPASSWORD", "LABELING_DB_PASSWORD")}
    return run_cli(["server", "start", "--home", str(home), "--port", str(server.free_port()), *args], env={**base, "COLUMNS": "200", **(env or {})})


def _failed_cleanly(r, home: Path, *secrets: str) -> None:
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "Error:" in r.stderr and "Traceback" not in r.stderr
    for s in secrets:
        assert s not in r.stdout + r.stderr
    assert not (home / "server.json").exists() and not (home / "database.json").exists()


def test_password_in_the_url_is_refused(cluster, tmp_path):
    url = cluster.url().replace("labeling@", f"labeling:{cluster.password}@")
    r = _start(tmp_path / "h", "--database-url", url)
    _failed_cleanly(r, tmp_path / "h", cluster.password)
    assert "contains a password" in r.stderr and "PGPASSWORD" in r.stderr


def test_wrong_password(cluster, tmp_path):
    r = _start(tmp_path / "h", "--database-url", cluster.url(), env={"PGPASSWORD": "not-the-password-4711"})
    _failed_cleanly(r, tmp_path / "h", "not-the-password-4711")
    assert "refused the password for user 'labeling'" in r.stderr


def test_unreachable_server(cluster, tmp_path):
    r = _start(tmp_path / "h", "--database-url", f"postgresql://labeling@127.0.0.1:{server.free_port()}/labeling", env={"PGPASSWORD": cluster.password})
    _failed_cleanly(r, tmp_path / "h", cluster.password)
    assert "no PostgreSQL server answers" in r.stderr


def test_missing_database(cluster, tmp_path):
    r = _start(tmp_path / "h", "--database-url", cluster.url(db="nosuchdb"), env={"PGPASSWORD": cluster.password})
    _failed_cleanly(r, tmp_path / "h", cluster.password)
    assert "database 'nosuchdb' does not exist" in r.stderr and "createdb" in r.stderr


def test_user_without_permission_to_create_tables(cluster, tmp_path):
    r = _start(tmp_path / "h", "--database-url", cluster.url(user="reader"), env={"PGPASSWORD": cluster.reader_password})
    _failed_cleanly(r, tmp_path / "h", cluster.reader_password)
    assert "may not create tables" in r.stderr and "GRANT CREATE ON SCHEMA public TO reader" in r.stderr


def test_password_file_readable_by_others_is_refused(cluster, tmp_path):
    secret = tmp_path / "pw"
    secret.write_text(cluster.password)
    secret.chmod(0o644)
    r = _start(tmp_path / "h", "--database-url", cluster.url(), "--database-password-file", str(secret))
    _failed_cleanly(r, tmp_path / "h", cluster.password)
    assert "readable by other users" in r.stderr and "chmod 600" in r.stderr
