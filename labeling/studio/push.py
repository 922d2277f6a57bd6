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
from pathlib import Path

from ..errors import InputError, RequestRejected
from .client import Studio

DEFAULT_BATCH_COUNT = 500
DEFAULT_BATCH_BYTES = 8 * 1024 * 1024  # well under Label Studio's request limits


@dataclass
class PushSummary:
    created: int = 0
    present: int = 0  # already in the project, nothing to add
    predictions_added: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (doc id, reason)
    failed: int = 0
    requests: int = 0
    indexed: int = 0  # tasks the project held before the push
    index_seconds: float = 0.0
    seconds: float = 0.0
    model_versions: list[str] = field(default_factory=list)


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


def read_tasks(path: Path) -> Iterator[dict]:
    """Label Studio tasks from a tasks.jsonl written by `labeling preannotate`, one at a time."""
    with open(path, "rb") as fh:
        for line_no, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                task = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise InputError(f"{path}:{line_no}", f"not a JSON object ({exc})") from None
            data = task.get("data") if isinstance(task, dict) else None
            if not isinstance(data, dict) or not isinstance(data.get("text"), str):
                raise InputError(f"{path}:{line_no}", "not a Label Studio task (needs data.text)")
            if not data.get("doc_id") or not data.get("content_hash"):
                raise InputError(
                    f"{path}:{line_no}", "task has no data.doc_id / data.content_hash", "Write tasks with `labeling preannotate`, or push the raw documents."
                )
            yield task


def is_tasks_file(path: Path) -> bool:
    """True for a .jsonl whose first record is a Label Studio task (has a `data` object)."""
    if path.suffix != ".jsonl" or not path.is_file():
        return False
    with open(path, "rb") as fh:
        for raw in fh:
            if raw.strip():
                try:
                    first = json.loads(raw)
                except ValueError:
                    return False
                return isinstance(first, dict) and isinstance(first.get("data"), dict)
    return False


def index_project(studio: Studio, project_id: int, task_count: int) -> tuple[dict[str, tuple[int, str]], dict[str, str]]:
    """doc_id -> (task id, content hash) and content hash -> doc_id for every task in the project."""
    by_doc: dict[str, tuple[int, str]] = {}
    by_hash: dict[str, str] = {}
    if task_count == 0:
        return by_doc, by_hash
    for task_id, data in studio.iter_task_data(project_id):
        doc_id, digest = str(data.get("doc_id", f"task-{task_id}")), data.get("content_hash", "")
        by_doc.setdefault(doc_id, (task_id, digest))
        if digest:
            by_hash.setdefault(digest, doc_id)
    return by_doc, by_hash


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
    """Send `tasks` (Label Studio task dicts with data.doc_id and data.content_hash) to the project."""
    summary = summary or PushSummary()
    t0 = time.perf_counter()
    if task_count is None:
        task_count = studio.get_project(project_id).task_count
    by_doc, by_hash = index_project(studio, project_id, task_count)
    summary.indexed = len(by_doc)
    summary.index_seconds = time.perf_counter() - t0
    has_version: dict[str, set[int]] = {}  # model_version -> task ids already holding it

    def send(batch: list[dict]) -> None:
        """Import a batch; when Label Studio rejects it, halve it to find and report the bad tasks."""
        summary.requests += 1
        try:
            summary.created += len(studio.import_tasks(project_id, batch))
        except RequestRejected as exc:
            if len(batch) == 1:
                summary.failed += 1
                summary.skipped.append((str(batch[0]["data"]["doc_id"]), f"rejected by Label Studio: {exc.message}"))
                return
            send(batch[: len(batch) // 2])
            send(batch[len(batch) // 2 :])

    def send_tasks(batch: list[dict]) -> None:
        send(batch)
        if on_progress:
            on_progress(len(batch))

    def send_predictions(batch: list[dict]) -> None:
        summary.requests += 1
        studio.import_predictions(project_id, batch)
        summary.predictions_added += len(batch)

    new_tasks = _Batch(batch_count, batch_bytes, send_tasks)
    new_predictions = _Batch(batch_count, batch_bytes, send_predictions)

    for task in tasks:
        data = task["data"]
        doc_id, digest = str(data["doc_id"]), data["content_hash"]
        for p in task.get("predictions", []):
            if p.get("model_version") and p["model_version"] not in summary.model_versions:
                summary.model_versions.append(p["model_version"])
        if doc_id in by_doc:
            task_id, old_digest = by_doc[doc_id]
            if task_id < 0:
                summary.skipped.append((doc_id, "appears twice in the input; kept the first"))
            elif old_digest != digest:
                summary.skipped.append((doc_id, f"text differs from task {task_id} already in the project; push it under a new id"))
            else:
                added = False
                for p in task.get("predictions", []):
                    mv = p.get("model_version", "")
                    if mv not in has_version:
                        has_version[mv] = studio.task_ids_with_model_version(project_id, mv) if task_count else set()
                    if task_id not in has_version[mv]:
                        has_version[mv].add(task_id)
                        new_predictions.add({"task": task_id, **p})
                        added = True
                if not added:
                    summary.present += 1
            if on_progress:
                on_progress(1)
            continue
        if digest in by_hash:
            summary.skipped.append((doc_id, f"same text as document {by_hash[digest]!r} already in the project"))
            if on_progress:
                on_progress(1)
            continue
        by_doc[doc_id] = (-1, digest)  # in flight: a second copy in this input is a duplicate
        by_hash[digest] = doc_id
        new_tasks.add(task)
    new_tasks.flush()
    new_predictions.flush()

    if summary.model_versions:
        newest = summary.model_versions[-1]
        project = studio.get_project(project_id)
        if project.model_version != newest:
            studio.update_project(project_id, model_version=newest)
    summary.seconds = time.perf_counter() - t0
    return summary
