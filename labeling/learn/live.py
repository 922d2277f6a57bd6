"""The backend's memories: one per served project, kept up to date by Label Studio's webhooks.

- /setup for a project opens its store (DIR/project-<id>.sqlite: a restart
  finds it and answers with the same memory at once) and queues a rebuild
  from Label Studio, which also catches what happened while the backend was down;
- ANNOTATION_CREATED / _UPDATED / ANNOTATIONS_DELETED webhooks only *record*
  the event (Label Studio waits about one second); one worker thread re-reads
  the task from Label Studio and updates the store, in order;
- when a project's memory changes its model_version, the project follows
  (its backend's title and model_version), so the next task an annotator
  opens asks for suggestions again.

Until a project's first build is done the backend answers with the rules alone.
Projects never share a memory: one store each.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import LabelingError
from ..studio.client import Studio
from .build import BuildReport, rebuild, task_rows
from .memory import Applier, Thresholds
from .store import MemoryStore

log = logging.getLogger("labeling.learn")

UPDATE_ACTIONS = {"ANNOTATION_CREATED", "ANNOTATIONS_CREATED", "ANNOTATION_UPDATED"}
DELETE_ACTIONS = {"ANNOTATIONS_DELETED", "ANNOTATION_DELETED"}
Follow = Callable[[int], None]  # told the project id when its memory changed the model_version


class LiveMemories:
    def __init__(self, directory: Path, *, connect: Callable[[], Studio] = Studio.connect, thresholds: Thresholds | None = None, follow: Follow | None = None):
        self.directory = Path(directory)
        self.thresholds = thresholds or Thresholds()
        self._connect = connect
        self._studio: Studio | None = None
        self._stores: dict[int, MemoryStore] = {}
        self._appliers: dict[int, Applier] = {}
        self._rebuilt: set[int] = set()
        self._lock = threading.RLock()
        self._queue: queue.Queue[tuple[str, int, Any]] = queue.Queue()
        self._follow = follow
        self._pending = 0  # recorded events not yet fully handled (the one in hand included)
        self.reports: dict[int, BuildReport] = {}
        self.errors: dict[int, str] = {}
        threading.Thread(target=self._run, name="labeling-learn", daemon=True).start()

    def path(self, project_id: int) -> Path:
        return self.directory / f"project-{project_id}.sqlite"

    def serves(self, project_id: int) -> bool:
        with self._lock:
            return project_id in self._stores or self.path(project_id).is_file()

    def _store(self, project_id: int) -> MemoryStore:
        with self._lock:
            store = self._stores.get(project_id)
            if store is None:
                store = self._stores[project_id] = MemoryStore(self.path(project_id))
            return store

    def setup(self, project_id: int) -> None:
        """Serve the project: its stored memory now, a rebuild from Label Studio queued (once per process)."""
        self._store(project_id)
        with self._lock:
            if project_id in self._rebuilt:
                return
            self._rebuilt.add(project_id)
        with self._lock:
            self._pending += 1
        self._queue.put(("rebuild", project_id, None))

    def suffix(self, project_id: int | None) -> str:
        applier = self.applier(project_id)
        return applier.suffix if applier else ""

    def applier(self, project_id: int | None) -> Applier | None:
        """The project's current memory as an applier, or None for a project not served."""
        if project_id is None or not self.serves(project_id):
            return None
        store = self._store(project_id)
        memory = store.memory(self.thresholds)
        with self._lock:
            cached = self._appliers.get(project_id)
            if cached is None or cached.memory is not memory:
                cached = self._appliers[project_id] = Applier(memory)
            return cached

    def state(self) -> dict[str, Any]:
        """What /health shows: per served project, its memory's state."""
        with self._lock:
            served = sorted(self._stores)
        projects = {}
        for pid in served:
            applier = self.applier(pid)
            memory = applier.memory if applier else None
            projects[str(pid)] = {
                "model_version_suffix": applier.suffix if applier else "",
                "annotations": memory.annotations if memory else 0,
                "learned": len(memory.learned()) if memory else 0,
                "forgotten": len(memory.forgotten()) if memory else 0,
                "built": pid in self.reports,
                **({"error": self.errors[pid]} if pid in self.errors else {}),
            }
        return {"state": "on", "pending": self._pending, "projects": projects}

    def record(self, action: str, project_id: int, body: dict[str, Any]) -> None:
        """Only note the event: the work runs in the worker thread."""
        with self._lock:
            self._pending += 1
        self._queue.put((action, project_id, body))

    def wait_idle(self, timeout: float = 60) -> bool:
        """For tests and benchmarks: True once every recorded event is processed."""
        done = threading.Event()
        self._queue.put(("mark", 0, done))
        return done.wait(timeout)

    # -- the worker -------------------------------------------------------------

    def _run(self) -> None:
        while True:
            action, project_id, body = self._queue.get()
            if action == "mark":
                body.set()
                continue
            try:
                self._work(action, project_id, body)
            finally:
                with self._lock:
                    self._pending -= 1

    def _work(self, action: str, project_id: int, body: Any) -> None:
        before = self.suffix(project_id)
        try:
            self._handle(action, project_id, body)
            self.errors.pop(project_id, None)
        except Exception as exc:  # a failure is logged and shown on /health; the worker keeps going
            log.exception("learning from %s on project %s failed", action, project_id)
            self.errors[project_id] = f"{action}: {exc}"
            return
        after = self.suffix(project_id)
        if after != before and self._follow is not None:
            try:
                self._follow(project_id)
            except LabelingError as exc:
                log.warning("could not move project %s to its new model_version: %s", project_id, exc.message)
            except Exception:
                log.exception("could not move project %s to its new model_version", project_id)

    def _studio_now(self) -> Studio:
        if self._studio is None:
            self._studio = self._connect()
        return self._studio

    def _handle(self, action: str, project_id: int, body: dict[str, Any]) -> None:
        if action == "rebuild":
            studio = self._studio_now()
            project = studio.get_project(project_id)
            with self._lock:
                old = self._stores.pop(project_id, None)
                if old is not None:
                    old.close()
                report = rebuild(studio, project, self.path(project_id))
                self._stores[project_id] = MemoryStore(self.path(project_id))
            self.reports[project_id] = report
            log.info("project %s memory: %s", project_id, report.describe())
        elif action in DELETE_ACTIONS:
            ids = [a.get("id") for a in body.get("annotations") or [] if isinstance(a, dict)]
            self._store(project_id).delete_annotations(int(i) for i in ids if isinstance(i, int))
        elif action in UPDATE_ACTIONS:
            for task_id in _task_ids(body):
                report = self.reports.setdefault(project_id, BuildReport(project_id, ""))
                found = list(self._studio_now().iter_annotated_tasks(project_id, task_id=task_id))
                rows = task_rows(found[0], report) if found else (task_id, "", [])
                self._store(project_id).replace_tasks([rows])


def _task_ids(body: dict[str, Any]) -> list[int]:
    """The tasks an annotation event is about (one annotation, or a list of them)."""
    items = body.get("annotation")
    items = items if isinstance(items, list) else [items]
    ids = [a.get("task") for a in items if isinstance(a, dict)]
    task = body.get("task")
    if isinstance(task, dict):
        ids.append(task.get("id"))
    elif isinstance(task, list):
        ids += [t.get("id") for t in task if isinstance(t, dict)]
    return sorted({int(i) for i in ids if isinstance(i, int)})
