"""Push pre-annotated tasks into a Label Studio project: idempotent, resumable, batched.

Label Studio never de-duplicates, so the push does:

1. Index what the project holds: doc_id -> (task id, content hash), read a page
   of 1,000 tasks at a time (only `id` and `data`). An empty project costs one
   request. Tasks that already hold a prediction of a model_version are found
   with one Data Manager filter per model_version seen.
2. Stream the input. A document not in the project is imported (batched by
   count and by bytes, one request per batch, SDK retries off so a retry can
   never import a batch twice). A document already present gets the new
   predictions added when its task lacks that model_version; its annotations
   are never touched. A document whose text changed since it was pushed is
   skipped and reported (its annotations' offsets point into the old text).
3. Set the project's model_version to the newest one pushed, so annotators see
   those suggestions.

There is no local state: the project is the ledger. Interrupted at any point,
a re-run reads the index again and sends only what is missing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .. import storage
from ..errors import InputError, RequestRejected
from ..records import content_hash, iter_jsonl, normalise
from ..storage import Target
from ..studio.client import Studio
from ..studio.limits import DEFAULT_BATCH_BYTES, DEFAULT_BATCH_COUNT


@dataclass
class PushSummary:
    created: int = 0
    present: int = 0  # documents already in the project (their missing predictions are counted in predictions_added)
    predictions_added: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (doc id, reason)
    failed: int = 0
    requests: int = 0
    indexed: int = 0  # tasks the project held before the push
    index_seconds: float = 0.0
    seconds: float = 0.0
    model_versions: list[str] = field(default_factory=list)
    duplicates_seen: int = 0  # tasks of a document already indexed: a concurrent push's leftovers


class _Batch:
    """Items waiting for the next request, bounded by count and by serialised bytes."""

    def __init__(self, max_count: int, max_bytes: int, send: Callable[[list[dict]], None]):
        self.max_count, self.max_bytes, self._send = max_count, max_bytes, send
        self.items: list[dict] = []
        self.nbytes = 0

    def add(self, item: dict) -> None:
        size = len(json.dumps(item, ensure_ascii=False).encode())
        if self.items and (len(self.items) >= self.max_count or self.nbytes + size > self.max_bytes):
            self.flush()
        self.items.append(item)
        self.nbytes += size

    def flush(self) -> None:
        if self.items:
            items, self.items, self.nbytes = self.items, [], 0
            self._send(items)


def read_tasks(path: Target, *, text_field: str = "text") -> Iterator[dict]:
    """Label Studio tasks from a .jsonl file, one at a time, ready to push.

    Any Label Studio task whose data holds the text (data.text, or `text_field`)
    is accepted, not only those `labeling preannotate` writes: the content hash
    is computed from the normalised text, the document id is data.doc_id, else
    data.id, else derived from the hash. Both are stored in the task's data (the
    project is the push's ledger); predictions and annotations are kept as they are.
    """
    for line_no, task in iter_jsonl(path):
        yield _as_task(task, f"{path}:{line_no}", text_field)


def _as_task(task: Any, where: str, text_field: str) -> dict:
    data = task.get("data") if isinstance(task, dict) else None
    text = data.get(text_field) if isinstance(data, dict) else None
    if not isinstance(text, str):
        raise InputError(where, f"not a Label Studio task with text (needs data.{text_field})", "Pass --text-field if the text is under another key.")
    assert isinstance(data, dict) and isinstance(task, dict)
    if data.get("doc_id") and data.get("content_hash"):
        return task
    digest = content_hash(normalise(text))
    doc_id = data.get("doc_id") or data.get("id") or f"sha256-{digest[:16]}"
    data = {**data, "doc_id": str(doc_id), "content_hash": digest}
    if text_field != "text":
        data.setdefault("text", text)  # the project's labeling config shows $text
    return {**task, "data": data}


def is_tasks_file(path: Target) -> bool:
    """True for a .jsonl (a path or fsspec URL) whose first record is a Label Studio task (has a `data` object)."""
    if not storage.basename(path).endswith(".jsonl") or not storage.is_file(path):
        return False
    with storage.open_read(path) as fh:
        for raw in fh:
            if raw.strip():
                try:
                    first = json.loads(raw)
                except ValueError:
                    return False
                return isinstance(first, dict) and isinstance(first.get("data"), dict)
    return False


def index_project(studio: Studio, project_id: int, task_count: int) -> tuple[dict[str, tuple[int, str]], dict[str, str], int]:
    """doc_id -> (task id, content hash), content hash -> doc_id, and how many tasks repeat a document."""
    by_doc: dict[str, tuple[int, str]] = {}
    by_hash: dict[str, str] = {}
    repeats = 0
    if task_count == 0:
        return by_doc, by_hash, repeats
    for task_id, data in studio.iter_task_data(project_id):
        doc_id, digest = str(data.get("doc_id", f"task-{task_id}")), data.get("content_hash", "")
        repeats += doc_id in by_doc
        by_doc.setdefault(doc_id, (task_id, digest))
        if digest:
            by_hash.setdefault(digest, doc_id)
    return by_doc, by_hash, repeats


def push_tasks(
    tasks: Iterable[dict],
    studio: Studio,
    project_id: int,
    *,
    task_count: int | None = None,
    batch_count: int = DEFAULT_BATCH_COUNT,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
    on_progress: Callable[[int], None] | None = None,
    summary: PushSummary | None = None,
) -> PushSummary:
    """Send `tasks` (Label Studio task dicts with data.doc_id and data.content_hash) to the project.

    Steps: index the project; route each task (import it, add its new predictions, or
    skip it); flush the batches; point the project at the newest model_version.
    """
    summary = summary or PushSummary()
    t0 = time.perf_counter()
    if task_count is None:
        task_count = studio.get_project(project_id).task_count
    pusher = _Pusher(studio, project_id, task_count, summary, on_progress, batch_count, batch_bytes)
    summary.indexed = len(pusher.by_doc)
    summary.index_seconds = time.perf_counter() - t0
    for task in tasks:
        pusher.route(task)
    pusher.flush()
    _set_model_version(studio, project_id, summary.model_versions)
    summary.seconds = time.perf_counter() - t0
    return summary


class _Pusher:
    """One push's state: the project's index, the two outgoing batches, the summary."""

    def __init__(
        self,
        studio: Studio,
        project_id: int,
        task_count: int,
        summary: PushSummary,
        on_progress: Callable[[int], None] | None,
        batch_count: int,
        batch_bytes: int,
    ):
        self.studio, self.project_id, self.summary = studio, project_id, summary
        self.on_progress = on_progress or (lambda n: None)
        self.by_doc, self.by_hash, summary.duplicates_seen = index_project(studio, project_id, task_count)
        self.lookup_versions = task_count > 0  # an empty project holds no predictions: no queries
        self.has_version: dict[str, set[int]] = {}  # model_version -> task ids already holding it
        self.new_tasks = _Batch(batch_count, batch_bytes, self._send_tasks)
        self.new_predictions = _Batch(batch_count, batch_bytes, self._send_predictions)

    def route(self, task: dict) -> None:
        data = task["data"]
        doc_id, digest = str(data["doc_id"]), data["content_hash"]
        for p in task.get("predictions", []):
            if p.get("model_version") and p["model_version"] not in self.summary.model_versions:
                self.summary.model_versions.append(p["model_version"])
        if doc_id in self.by_doc:
            self._present(doc_id, digest, task)
        elif digest in self.by_hash:
            self.summary.skipped.append((doc_id, f"same text as document {self.by_hash[digest]!r} already in the project"))
            self.on_progress(1)
        else:
            self.by_doc[doc_id] = (-1, digest)  # in flight: a second copy in this input is a duplicate
            self.by_hash[digest] = doc_id
            self.new_tasks.add(task)

    def _present(self, doc_id: str, digest: str, task: dict) -> None:
        """The document is in the project: add the predictions its task lacks, or report why not."""
        task_id, old_digest = self.by_doc[doc_id]
        if task_id < 0:
            self.summary.skipped.append((doc_id, "appears twice in the input; kept the first"))
        elif old_digest != digest:
            self.summary.skipped.append((doc_id, f"text differs from task {task_id} already in the project; push it under a new id"))
        else:
            missing = [p for p in task.get("predictions", []) if task_id not in self._holding(p.get("model_version", ""))]
            for p in missing:
                self._holding(p.get("model_version", "")).add(task_id)
                self.new_predictions.add({"task": task_id, **p})
            self.summary.present += 1
        self.on_progress(1)

    def _holding(self, model_version: str) -> set[int]:
        if model_version not in self.has_version:
            found = self.studio.task_ids_with_model_version(self.project_id, model_version) if self.lookup_versions else set()
            self.has_version[model_version] = found
        return self.has_version[model_version]

    def flush(self) -> None:
        self.new_tasks.flush()
        self.new_predictions.flush()

    def _send_tasks(self, batch: list[dict]) -> None:
        self._import(batch)
        self.on_progress(len(batch))

    def _import(self, batch: list[dict]) -> None:
        """Import a batch; when Label Studio rejects it, halve it to find and report the bad tasks."""
        self.summary.requests += 1
        try:
            self.summary.created += len(self.studio.import_tasks(self.project_id, batch))
        except RequestRejected as exc:
            if len(batch) == 1:
                self.summary.failed += 1
                self.summary.skipped.append((str(batch[0]["data"]["doc_id"]), f"rejected by Label Studio: {exc.message}"))
                return
            self._import(batch[: len(batch) // 2])
            self._import(batch[len(batch) // 2 :])

    def _send_predictions(self, batch: list[dict]) -> None:
        self.summary.requests += 1
        self.summary.predictions_added += self.studio.import_predictions(self.project_id, batch)  # what Label Studio created


def _set_model_version(studio: Studio, project_id: int, model_versions: list[str]) -> None:
    """Point the project at the newest model_version pushed, so annotators see those suggestions."""
    if model_versions and studio.get_project(project_id).model_version != model_versions[-1]:
        studio.update_project(project_id, model_version=model_versions[-1])
