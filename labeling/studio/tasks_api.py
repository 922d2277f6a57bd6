"""Studio calls about tasks: their data, imports, predictions, annotations, removal, and exports."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ExportTimeout, LabelingError
from .limits import EXPORT_READY_TIMEOUT, EXPORT_REQUEST_TIMEOUT
from .transport import NO_RETRY, Session, project_gone, translate_errors


@dataclass
class TaskState:
    id: int
    data: dict
    annotations: int  # submitted plus cancelled (skipped)


class TasksAPI(Session):
    def iter_task_data(self, project_id: int, *, page_size: int = 1000, query: dict | None = None) -> Iterator[tuple[int, dict]]:
        """(task id, task data) for every task, a page at a time (never the whole project in memory)."""
        with translate_errors(self.url):
            pager = self._sdk.tasks.list(
                project=project_id, fields="task_only", include="id,data", page_size=page_size,
                query=json.dumps(query) if query else None,
            )  # fmt: skip
            for task in pager:
                yield task.id, task.data or {}

    def task_ids_with_model_version(self, project_id: int, model_version: str) -> set[int]:
        """Ids of tasks that already hold a prediction of `model_version` (a Data Manager filter)."""
        query = {"filters": {"conjunction": "and", "items": [
            {"filter": "filter:tasks:predictions_model_versions", "operator": "contains", "type": "List", "value": [model_version]}
        ]}}  # fmt: skip
        return {task_id for task_id, _ in self.iter_task_data(project_id, query=query)}

    def import_tasks(self, project_id: int, tasks: list[dict]) -> list[int]:
        """Import one batch in one request, never retried; returns the new task ids."""
        with translate_errors(self.url), project_gone(project_id):
            r = self._sdk.projects.import_tasks(id=project_id, request=tasks, commit_to_project=True, return_task_ids=True, request_options=NO_RETRY)
        return list(getattr(r, "task_ids", None) or [])

    def import_predictions(self, project_id: int, predictions: list[dict]) -> int:
        """Add predictions ({task, model_version, score, result}) to existing tasks in one request."""
        with translate_errors(self.url), project_gone(project_id):
            r = self._sdk.projects.import_predictions(id=project_id, request=predictions, request_options=NO_RETRY)
        return int(getattr(r, "created", None) or len(predictions))

    def iter_task_states(self, project_id: int, *, page_size: int = 1000) -> Iterator[TaskState]:
        """Every task's id, data and annotation counts, a page at a time."""
        with translate_errors(self.url), project_gone(project_id):
            pager = self._sdk.tasks.list(project=project_id, fields="task_only", include="id,data,total_annotations,cancelled_annotations", page_size=page_size)
            for t in pager:
                yield TaskState(t.id or 0, t.data or {}, (t.total_annotations or 0) + (t.cancelled_annotations or 0))

    def task_holds_work(self, task_id: int) -> bool:
        """True when the task holds an annotation (submitted or skipped) or anyone's draft.

        Asked of the task itself: the stored `total_annotations` counter is kept by Django
        signals, which Label Studio switches off process-wide during a project DELETE.
        """
        http = self._http()
        for what in ("annotations", "drafts"):
            with translate_errors(self.url):
                r = http.request(f"api/tasks/{task_id}/{what}", method="GET")
            if r.status_code == 404:
                return False  # the task is gone
            r.raise_for_status()
            if r.json():
                return True
        return False

    def model_versions(self, project_id: int) -> list[str]:
        """Every model_version that has predictions in the project."""
        with translate_errors(self.url):
            r = self._http().request(f"api/projects/{project_id}/model-versions/", method="GET")
        r.raise_for_status()
        return sorted(str(v) for v in (r.json() or {}))

    def task_predictions(self, task_id: int) -> list[dict]:
        """A task's predictions as importable dicts (model_version, score, result)."""
        with translate_errors(self.url):
            return [{"model_version": p.model_version or "", "score": p.score, "result": p.result or []} for p in self._sdk.predictions.list(task=task_id)]

    def prediction_id(self, task_id: int, model_version: str) -> int | None:
        """The id of a task's latest prediction from `model_version` (what an annotation's parent_prediction names)."""
        with translate_errors(self.url):
            ids = [p.id for p in self._sdk.predictions.list(task=task_id) if p.model_version == model_version]
        return max(ids) if ids else None

    def delete_unannotated_tasks(self, project_id: int, task_ids: list[int]) -> int:
        """Delete these tasks, but only those that hold no annotation at the moment of deletion; returns how many it deleted.

        The filter travels with the delete action, so an annotation submitted after our
        check still protects its task. Ids already deleted are ignored by Label Studio;
        the count is Label Studio's own (`processed_items`): what this request removed.
        """
        if not task_ids:
            return 0
        none = [
            {"filter": f"filter:tasks:{field}", "operator": "equal", "type": "Number", "value": 0} for field in ("total_annotations", "cancelled_annotations")
        ]
        with translate_errors(self.url), project_gone(project_id):
            r = self._sdk.actions.with_raw_response.create(
                id="delete_tasks",
                project=project_id,
                filters={"conjunction": "and", "items": none},
                selected_items={"all": False, "included": task_ids},
                request_options=NO_RETRY,  # a timed-out delete may still run: the caller re-reads instead
            )
        return int(r.response.json().get("processed_items", 0))

    def create_annotation(self, task_id: int, result: list[dict], **fields: Any) -> int:
        with translate_errors(self.url):
            return self._sdk.annotations.create(id=task_id, result=result, **fields).id

    def iter_annotated_tasks(self, project_id: int, *, page_size: int = 100, task_id: int | None = None) -> Iterator[dict[str, Any]]:
        """Tasks holding an annotation (submitted or cancelled), with their data, annotations and predictions, a page at a time (or the one `task_id`).

        A Data Manager list, not GET /api/tasks/ID: opening a task asks the ML backend for predictions.
        """
        items: list[dict[str, Any]] = [
            {"filter": f"filter:tasks:{counter}", "operator": "greater", "type": "Number", "value": 0}
            for counter in ("total_annotations", "cancelled_annotations")
        ]
        if task_id is not None:
            items = [{"filter": "filter:tasks:id", "operator": "equal", "type": "Number", "value": task_id}]
        query = json.dumps({"filters": {"conjunction": "or", "items": items}})
        with translate_errors(self.url), project_gone(project_id):
            pager: Any = self._sdk.tasks.list(project=project_id, fields="all", page_size=page_size, query=query)
            for t in pager:
                yield {
                    "id": t.id,
                    "data": t.data or {},
                    "annotations": [a if isinstance(a, dict) else a.dict() for a in (t.annotations or [])],
                    "predictions": [p if isinstance(p, dict) else p.dict() for p in (t.predictions or [])],
                }

    def project_predictions(self, project_id: int) -> dict[int, list[dict[str, Any]]]:
        """Task id -> its predictions ({model_version, score, result}), for every task of the project."""
        out: dict[int, list[dict[str, Any]]] = {}
        with translate_errors(self.url):
            pager: Any = self._sdk.tasks.list(project=project_id, fields="all", page_size=500)
            for t in pager:
                preds = t.predictions or []
                out[t.id] = [p if isinstance(p, dict) else p.dict() for p in preds]
        return out

    # -- exports ------------------------------------------------------------

    def create_export(self, project_id: int, title: str = "labeling pull", *, timeout: float = EXPORT_READY_TIMEOUT) -> int:
        """Ask Label Studio for a snapshot export of all tasks; returns its id once it is ready.

        ExportTimeout when it is still being built `timeout` seconds after the call.
        """
        deadline = time.monotonic() + timeout
        with translate_errors(self.url):
            # Full predictions (not only ids), so the pull can find the exact prediction each
            # annotation started from (`parent_prediction`), whatever the project's model_version.
            export = self._sdk.projects.exports.create(
                id=project_id,
                title=title,
                serialization_options={"predictions": {"only_id": False}},
                request_options={"timeout_in_seconds": EXPORT_REQUEST_TIMEOUT, "max_retries": 0},
            )

            def status() -> str:
                return str(getattr(self._sdk.projects.exports.get(id=project_id, export_pk=export.id), "status", "completed"))

            wait_for_export(status, f"export {export.id} of project {project_id}", deadline=deadline, timeout=timeout)
        return export.id

    def download_export(self, project_id: int, export_id: int, dest: Path) -> int:
        """Stream the export (Label Studio JSON) into `dest`; returns bytes written."""
        n = 0
        with translate_errors(self.url), open(dest, "wb") as fh:
            for chunk in self._sdk.projects.exports.download(id=project_id, export_pk=export_id, export_type="JSON"):
                fh.write(chunk)
                n += len(chunk)
        return n


def wait_for_export(status: Callable[[], str], what: str, *, deadline: float, timeout: float, interval: float = 0.5) -> None:
    """Poll `status` until it reads completed; a failed build, or the `deadline` (time.monotonic()) passing first, raises."""
    while True:
        state = status()
        if state.endswith("completed"):
            return
        if state.endswith("failed"):
            raise LabelingError(f"Label Studio failed to build {what}.", "Retry; if it fails again see the server log.")
        if time.monotonic() >= deadline:
            raise ExportTimeout(
                f"Label Studio was still building {what} after {timeout:g}s (status {state!r}).",
                "Re-run later: Label Studio keeps building it (see the project's Export page). Without Redis it is built in "
                "the request; with workers (rq), check that they run. A larger timeout: Studio.create_export(..., timeout=SECONDS).",
            )
        time.sleep(interval)
