"""Studio calls about ML backends (labeling serve / labeling backend): connect, read, update, and the Data Manager actions that ask them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .transport import Session, translate_errors


@dataclass
class MLBackendInfo:
    id: int
    url: str
    title: str
    state: str  # Label Studio's readable state: Connected, Disconnected, Error, Training, Predicting
    model_version: str
    error: str = ""


def _ml_info(b: Any) -> MLBackendInfo:
    return MLBackendInfo(b.id, b.url or "", b.title or "", str(b.readable_state or b.state or ""), b.model_version or "", b.error_message or "")


class MLAPI(Session):
    def ml_backends(self, project_id: int) -> list[MLBackendInfo]:
        """The ML backends connected to a project, as Label Studio sees them (state, model_version)."""
        with translate_errors(self.url):
            return [_ml_info(b) for b in self._sdk.ml.list(project=project_id)]

    def create_ml_backend(
        self, project_id: int, *, url: str, title: str, basic_auth: tuple[str, str] | None = None, timeout: float | None = None
    ) -> MLBackendInfo:
        """Connect a backend: Label Studio checks its /health and /setup first and refuses (RequestRejected) when they fail."""
        auth: dict[str, Any] = {"auth_method": "BASIC_AUTH", "basic_auth_user": basic_auth[0], "basic_auth_pass": basic_auth[1]} if basic_auth else {}
        if timeout is not None:
            auth["timeout"] = timeout
        with translate_errors(self.url):
            return _ml_info(self._sdk.ml.create(project=project_id, url=url, title=title, is_interactive=False, auto_update=True, **auth))

    def update_ml_backend(self, backend_id: int, **fields: Any) -> MLBackendInfo:
        """Change a connected backend's fields (title, ...).

        Label Studio 1.23 re-validates every PATCH by calling the backend's /health
        and /setup with the PATCH's own fields, and answers HTTP 500 when `url` or
        `project` is missing: both are sent along.
        """
        with translate_errors(self.url):
            current = self._sdk.ml.get(id=backend_id)
            return _ml_info(self._sdk.ml.update(id=backend_id, **{"url": current.url, "project": current.project, **fields}))

    def run_action(self, project_id: int, action: str, *, task_ids: list[int] | None = None, timeout: float = 300) -> None:
        """Run a Data Manager action (e.g. retrieve_tasks_predictions) on the given tasks, or on all tasks."""
        selected: dict[str, Any] = {"all": False, "included": task_ids} if task_ids is not None else {"all": True, "excluded": []}
        with translate_errors(self.url):
            self._sdk.actions.create(id=action, project=project_id, selected_items=selected, request_options={"timeout_in_seconds": timeout, "max_retries": 0})
