"""A throwaway PostgreSQL cluster for the test suite: initdb in a temp dir, 127.0.0.1 on a free port.

initdb and postgres refuse to run as root: as root, the cluster directory
belongs to the `postgres` user and every server binary runs through
`runuser -u postgres --`. Debian's PostgreSQL is installed by
.ci/install-postgres (called by `make test`).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from labeling.studio.server import free_port


def bindir() -> Path | None:
    """Where initdb, pg_ctl and psql live (Debian keeps them out of PATH)."""
    for cand in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (cand / "initdb").exists():
            return cand
    exe = shutil.which("initdb")
    return Path(exe).parent if exe else None


@dataclass
class Cluster:
    root: Path
    port: int
    bin: Path
    password: str  # of the `labeling` role, owner of the `labeling` database
    reader_password: str  # of `reader`: may connect, may not create tables

    def url(self, user: str = "labeling", db: str = "labeling") -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{db}"

    def _as_owner(self) -> list[str]:
        return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def run(self, tool: str, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*self._as_owner(), str(self.bin / tool), *args], check=True, capture_output=True, text=True, timeout=120)

    def sql(self, statement: str) -> None:
        self.run("psql", "-h", str(self.root), "-p", str(self.port), "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", statement)

    def stop(self) -> None:
        try:
            self.run("pg_ctl", "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def start_cluster() -> Cluster:
    found = bindir()
    if found is None:
        raise RuntimeError("PostgreSQL is not installed: run .ci/install-postgres (make test does), or apt-get install postgresql")
    root = Path(tempfile.mkdtemp(prefix="labeling-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    c = Cluster(root, free_port(), found, secrets.token_urlsafe(16), secrets.token_urlsafe(16))
    data = root / "data"
    c.run("initdb", "-D", str(data), "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync")
    c.run("pg_ctl", "-D", str(data), "-l", str(root / "server.log"), "-w", "-o", f"-h 127.0.0.1 -p {c.port} -k {root} -F", "start")
    c.sql(f"CREATE ROLE labeling LOGIN PASSWORD '{c.password}'")
    c.sql("CREATE DATABASE labeling OWNER labeling")
    c.sql(f"CREATE ROLE reader LOGIN PASSWORD '{c.reader_password}'")  # PostgreSQL 15: only the owner creates in public
    return c
