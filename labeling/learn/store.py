"""Where a project memory lives: one SQLite file per project, so a restart loses nothing.

It holds the submitted annotations reduced to what the memory counts (one row
each, the document text once per task). The counts live in memory: counted
once from the rows at the first need after opening (streamed), then kept up to
date on every change by taking back the changed task's old rows and adding its
new ones (labeling.learn.counts), so a webhook costs the size of the task, plus
one pass over the stored texts only when it brings keys never tracked before.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from .counts import Counts
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
        self._counts: Counts | None = None  # None until first needed: opening stays instant

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def replace_tasks(self, tasks: Iterable[tuple[int, str, list[AnnotationRow]]]) -> None:
        """For each (task id, text, rows): the task's annotations become exactly `rows`."""
        with self._lock:
            counts = self._ensure_counts()
            self._db.execute("BEGIN")
            try:
                for task_id, text, rows in tasks:
                    self._replace_task(counts, task_id, text, {r.annotation_id: r for r in rows})
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                self._counts = None  # recounted from the rows at the next need
                raise
            finally:
                self._changes += 1
            self._track_new(counts)

    def _replace_task(self, counts: Counts, task_id: int, text: str, rows: dict[int, AnnotationRow]) -> None:
        ids = list(rows)
        held = self._select("a.task_id = ?", (task_id,))
        for i in ids:  # a row of this id held by another task moves here
            held += self._select("a.id = ? AND a.task_id != ?", (i, task_id))
        for old in held:
            self._take_back(counts, old)
        self._db.execute("DELETE FROM annotation WHERE task_id = ?", (task_id,))
        self._db.executemany("DELETE FROM annotation WHERE id = ?", [(i,) for i in ids])
        if rows:
            self._db.execute("INSERT OR REPLACE INTO doc VALUES (?, ?)", (task_id, text))
        else:
            self._db.execute("DELETE FROM doc WHERE task_id = ?", (task_id,))
        self._db.executemany(
            "INSERT INTO annotation VALUES (?, ?, ?, ?, ?)",
            [(r.annotation_id, task_id, json.dumps(r.given), json.dumps(r.suggested), json.dumps(r.recalled)) for r in rows.values()],
        )
        for r in rows.values():
            counts.add_row(text, _regions(r.given), _regions(r.suggested), _regions(r.recalled))
        counts.add_text(text, len(rows))

    def delete_annotations(self, ids: Iterable[int]) -> int:
        with self._lock:
            counts = self._ensure_counts()
            n = 0
            for i in ids:
                for old in self._select("a.id = ?", (i,)):
                    self._take_back(counts, old)
                n += self._db.execute("DELETE FROM annotation WHERE id = ?", (i,)).rowcount
            self._db.execute("DELETE FROM doc WHERE task_id NOT IN (SELECT task_id FROM annotation)")
            self._changes += 1
            return n

    def _select(self, where: str, args: tuple[int, ...]) -> list[AnnotationRow]:
        query = f"SELECT a.id, a.task_id, d.text, a.given, a.suggested, a.recalled FROM annotation a JOIN doc d USING (task_id) WHERE {where}"
        return [_row(*found) for found in self._db.execute(query, args).fetchall()]

    @staticmethod
    def _take_back(counts: Counts, old: AnnotationRow) -> None:
        counts.add_row(old.text, old.given, old.suggested, old.recalled, sign=-1)
        counts.add_text(old.text, -1)

    def _track_new(self, counts: Counts) -> None:
        """Keys the change brought that were never tracked: one pass over the stored texts for all of them."""
        fresh = counts.untracked()
        if fresh:
            texts = self._db.execute("SELECT d.text, COUNT(*) FROM annotation a JOIN doc d USING (task_id) GROUP BY a.task_id")
            counts.track(fresh, texts)  # streamed from the cursor: the texts are never all held

    def _ensure_counts(self) -> Counts:
        """The maintained counts, counted from the rows the first time (call under the lock)."""
        if self._counts is None:
            counts = Counts()
            for row in self.rows():
                counts.add_row(row.text, row.given, row.suggested, row.recalled)
            self._track_new(counts)
            self._counts = counts
        return self._counts

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
            for found in page:
                yield _row(*found)
            last = page[-1][0]

    def memory(self, thresholds: Thresholds | None = None) -> Memory:
        """A snapshot of the counts now held (a new Memory after each change; never changed under a reader)."""
        thresholds = thresholds or Thresholds()
        with self._lock:
            if self._cached and self._cached[0] == self._changes and self._cached[1] == thresholds:
                return self._cached[2]
            memory = Memory.from_counts(self._ensure_counts(), thresholds=thresholds)
            self._cached = (self._changes, thresholds, memory)
            return memory

    def get(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))


def _regions(regions: tuple[tuple[int, int, str], ...]) -> tuple[tuple[int, int, str], ...]:
    """Regions as the store gives them back (JSON round trip: lists become tuples)."""
    return tuple((int(a), int(b), str(c)) for a, b, c in regions)


def _row(aid: int, tid: int, text: str, given: str, suggested: str, recalled: str) -> AnnotationRow:
    g, s, r = (tuple(tuple(x) for x in json.loads(v)) for v in (given, suggested, recalled))
    return AnnotationRow(aid, tid, text, g, s, r)


def swap_in(built: Path, final: Path) -> None:
    """Move a freshly built store over the old one (atomic on one filesystem)."""
    os.replace(built, final)
