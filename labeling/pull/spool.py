"""The export streamed into records: one task at a time, tokenized in batches, spooled to a JSONL file.

Only an index (doc id -> task id, offset, length) and small tallies stay in
memory; pull/run.py reads the spool back in split order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ijson

from ..datasets.splits import Doc, signatures
from ..scheme import Scheme
from ..studio.client import Project, Studio
from .build import build_record, dumps, tokenize
from .export import Pending, Progress, from_task
from .validate import Issue

BATCH = 256


def iter_export(path: Path) -> Iterator[dict[str, Any]]:
    """Tasks of a Label Studio JSON export, one at a time."""
    with open(path, "rb") as fh:
        yield from ijson.items(fh, "item", use_float=True)


class Spool:
    """Records built from the export, spooled to a JSONL file: only an index and small tallies stay in memory."""

    def __init__(self, path: Path, tokenizer: Any):
        self.path, self.tokenizer = path, tokenizer
        self.fh = open(path, "wb")  # noqa: SIM115 - closed by close(), after the whole export streamed through
        self.index: dict[str, tuple[int, int, int]] = {}  # doc id -> (task id, offset, length) in the spool
        self.tally: dict[str, tuple[list[str], int, str]] = {}  # doc id -> (span labels, relation count, task_hash)
        self.docs: dict[str, Doc] = {}  # what the splits are assigned from
        self.issues: list[Issue] = []
        self.misaligned: list[tuple[str, str]] = []
        self.model_versions: set[str] = set()
        self.rules: Counter[str] = Counter()  # policy adjudicated: documents per rule

    def add(self, batch: list[Pending]) -> None:
        """Tokenize a batch of pending records (spaCy batches), build them and append them to the spool."""
        sigs = signatures([p.text for p in batch])
        for p, tokens, sig in zip(batch, tokenize(self.tokenizer, [p.text for p in batch]), sigs, strict=True):
            rec = build_record(p.doc_id, p.text, tokens, p.spans, p.relations, meta=p.meta, suggestion=p.suggestion, annotations=p.annotations)
            self.misaligned.extend((p.doc_id, sid) for sid in rec["misaligned"])
            if rec["meta"]["model_version"]:
                self.model_versions.add(rec["meta"]["model_version"])
            if p.doc_id in self.index and not self._replaces(p):
                continue
            line = (dumps(rec) + "\n").encode("utf-8")
            self.index[p.doc_id] = (p.task_id, self.fh.tell(), len(line))
            self.tally[p.doc_id] = ([s.label for s in p.spans], len(p.relations), rec["task_hash"])
            self.docs[p.doc_id] = Doc(p.doc_id, rec["input_hash"], sig)
            self.fh.write(line)
            if "rule" in p.meta:
                self.rules[p.meta["rule"]] += 1

    def _replaces(self, p: Pending) -> bool:
        """Two tasks with one document id: the higher task id wins, and the clash is reported."""
        other = self.index[p.doc_id][0]
        kept = max(other, p.task_id)
        reason = f"tasks {other} and {p.task_id} share the document id; kept task {kept}"
        self.issues.append(Issue(p.task_id, p.meta["annotation_id"], p.doc_id, "duplicate-doc-id", "dropped", reason))
        return kept == p.task_id

    def close(self) -> None:
        self.fh.close()


def spool_export(
    export: Path, spool: Spool, *, studio: Studio, proj: Project, scheme: Scheme, policy: str, progress: Progress, on_task, adjudication=({}, "majority")
) -> None:
    """Stream the export: count progress, choose and validate each task's annotation, build records in batches."""
    users = studio.user_emails()
    batch: list[Pending] = []
    for n, task in enumerate(iter_export(export), 1):
        progress.add(task, users)
        decided, fallback = adjudication
        pending, found = from_task(task, scheme=scheme, policy=policy, project_id=proj.id, users=users, decision=decided.get(task["id"]), fallback=fallback)
        spool.issues += found
        if pending is not None:
            batch.append(pending)
        if len(batch) >= BATCH:
            spool.add(batch)
            batch = []
        if on_task:
            on_task(n)
    if batch:
        spool.add(batch)
    spool.close()
