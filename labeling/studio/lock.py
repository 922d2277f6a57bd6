"""One remover at a time per project: a lock file shared by every push on this machine.

Label Studio has no lock of its own, and its SQLite database serves one writer:
two pushes sending the Data Manager `delete_tasks` action at once get
`database is locked`, and in a run of issue 20 left the server refusing every
write until it was restarted. So a push holds this lock from the read that
decides what to remove until the last delete is answered (reconcile.py).

The lock is an flock(2) on a file under ~/.cache/labeling/locks/ named by a
hash of the server's address and the project id: released by the kernel when
the process ends, even by SIGKILL, so a killed push never leaves it held.
It serialises pushes that share this machine and this home directory; pushes
from other machines are not covered (see docs/concurrency.md: on PostgreSQL
concurrent deletes are safe; on SQLite, push from one place at a time).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import RemovalBusy
from .transport import public_url

LOCK_TIMEOUT = 600.0  # seconds: longer than removing the duplicates of a 100,000-task race


def lock_dir() -> Path:
    """Where the lock files live: $XDG_CACHE_HOME/labeling/locks, else ~/.cache/labeling/locks."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "labeling" / "locks"


def lock_path(url: str, project_id: int) -> Path:
    key = f"{public_url(url).lower()}#{project_id}"
    return lock_dir() / f"project-{hashlib.sha256(key.encode()).hexdigest()[:24]}.lock"


@contextmanager
def removal_lock(url: str, project_id: int, *, timeout: float = LOCK_TIMEOUT) -> Iterator[Path]:
    """Hold the project's removal lock for the block; RemovalBusy after `timeout` seconds of waiting."""
    path = lock_path(url, project_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as fh:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise RemovalBusy(
                        f"Another push has been removing duplicate tasks from project {project_id} for {timeout:.0f} s (lock {path}).",
                        "Re-run this push when the other one ends: it sends only what is missing and removes what is left.",
                    ) from None
                time.sleep(0.1)
        try:
            yield path
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
