"""Label Studio on SQLite vs PostgreSQL, same machine, same run: first start, push, re-push.

    python benchmarks/postgres.py --n 3000

Creates a throwaway PostgreSQL cluster (tests/postgres.py: initdb in a temp dir,
127.0.0.1, a free port; run as the `postgres` user when root), starts one
embedded Label Studio on SQLite and one with --database-url, times each first
start (migrations included), then runs benchmarks/push.py against each (raw SDK
import vs `labeling push`, and a re-push with every task present).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from labeling.studio import server
from tests.postgres import start_cluster


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=3000)
    args = ap.parse_args()
    cluster = start_cluster()
    homes: list[Path] = []
    try:
        secret = Path(tempfile.mkdtemp(prefix="bench-pg-secret-")) / "pw"
        secret.write_text(cluster.password)
        secret.chmod(0o600)
        for name, kw in (("SQLite", {}), ("PostgreSQL", {"database_url": cluster.url(), "password_file": secret})):
            home = Path(tempfile.mkdtemp(prefix=f"bench-{name.lower()}-"))
            homes.append(home)
            t0 = time.perf_counter()
            status, _ = server.start(home, port=server.free_port(), timeout=900, **kw)  # type: ignore[arg-type]
            print(f"{name}: first start (migrations) {time.perf_counter() - t0:.1f}s; {status.database}", flush=True)
            creds = server.load_credentials(home)
            assert creds is not None
            env = {**os.environ, "LABEL_STUDIO_URL": creds.url, "LABEL_STUDIO_API_KEY": creds.token}
            out = subprocess.run(
                [sys.executable, str(REPO / "benchmarks" / "push.py"), "--n", str(args.n)], env=env, capture_output=True, text=True, check=True
            )
            for line in out.stdout.splitlines():
                print(f"{name}: {line}", flush=True)
    finally:
        for home in homes:
            server.stop(home)
        cluster.stop()


if __name__ == "__main__":
    main()
