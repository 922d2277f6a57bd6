"""Where a project memory lives: one SQLite file per project, so a restart loses nothing.

It holds the submitted annotations reduced to what the memory counts (one row
each, the document text once per task), never the counts themselves: the
counts are recomputed from the rows (`memory()`), streamed, so a store of
100,000 annotations is counted in bounded memory.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from .memory import AnnotationRow, Memory, Thresholds

_SCHEMA = """
CREATE TABLE IF NOT EXISTS doc (task_id INTEGER PRIMARY KEY, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS annotation (id INTEGER PRIMARY KEY, task_id INTEGER NOT NULL, given TEXT NOT NULL, suggested TEXT NOT NULL, recalled TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS annotation_task ON annotation (task_id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class MemoryStore:
    """The rows of one project's memory; thread-safe; `path=None` keeps them in a temporary file of SQLite's choosing."""

    def __init__(self, path: Path | None = None):
        self.path = path
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path) if path else "", check_same_thread=False, isolation_level=None)
        self._db.executescript(_SCHEMA)
        self._lock = threading.RLock()
        self._changes = 0
        self._cached: tuple[int, Thresholds, Memory] | None = None

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def replace_tasks(self, tasks: Iterable[tuple[int, str, list[AnnotationRow]]]) -> None:
        """For each (task id, text, rows): the task's annotations become exactly `rows`."""
        with self._lock:
            self._db.execute("BEGIN")
            for task_id, text, rows in tasks:
                self._db.execute("DELETE FROM annotation WHERE task_id = ?", (task_id,))
                if rows:
                    self._db.execute("INSERT OR REPLACE INTO doc VALUES (?, ?)", (task_id, text))
                else:
                    self._db.execute("DELETE FROM doc WHERE task_id = ?", (task_id,))
                self._db.executemany(
                    "INSERT OR REPLACE INTO annotation VALUES (?, ?, ?, ?, ?)",
                    [(r.annotation_id, task_id, json.dumps(r.given), json.dumps(r.suggested), json.dumps(r.recalled)) for r in rows],
                )
            self._db.execute("COMMIT")
            self._changes += 1

    def delete_annotations(self, ids: Iterable[int]) -> int:
        with self._lock:
            n = 0
            for i in ids:
                n += self._db.execute("DELETE FROM annotation WHERE id = ?", (i,)).rowcount
            self._db.execute("DELETE FROM doc WHERE task_id NOT IN (SELECT task_id FROM annotation)")
            self._changes += 1
            return n

    def rows(self) -> Iterator[AnnotationRow]:
        """Every annotation with its text, a page at a time."""
        last = -1
        while True:
            with self._lock:
                page = self._db.execute(
                    "SELECT a.id, a.task_id, d.text, a.given, a.suggested, a.recalled FROM annotation a JOIN doc d USING (task_id) WHERE a.id > ? ORDER BY a.id LIMIT 500",
                    (last,),
                ).fetchall()
            if not page:
                return
            for aid, tid, text, *regions in page:
                given, suggested, recalled = (tuple(tuple(r) for r in json.loads(x)) for x in regions)
                yield AnnotationRow(aid, tid, text, given, suggested, recalled)
            last = page[-1][0]

    def memory(self, thresholds: Thresholds | None = None) -> Memory:
        """The counts over the rows now held (recounted only after a change)."""
        thresholds = thresholds or Thresholds()
        with self._lock:
            changes = self._changes
            if self._cached and self._cached[0] == changes and self._cached[1] == thresholds:
                return self._cached[2]
        memory = Memory.from_rows(self.rows, thresholds=thresholds)
        with self._lock:
            self._cached = (changes, thresholds, memory)
        return memory

    def get(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))


def swap_in(built: Path, final: Path) -> None:
    """Move a freshly built store over the old one (atomic on one filesystem)."""
    os.replace(built, final)
