"""Connect a running backend to a Label Studio project, idempotently; report how it stands.

For suggestions to appear when an annotator opens a task, Label Studio needs
(label_studio/tasks/api.py, tasks/serializers.py): the backend connected, the
project's `show_collab_predictions` on (a task without predictions is then sent
to /predict on open), and the project's `model_version` equal to the backend's
(the editor shows only predictions of the project's model_version).
Label Studio accepts a project model_version only when a prediction or a
connected backend's *title* carries it (projects/serializers.py), and moves
the project along when that title changes (ml/models.py MLBackend.save): so
the backend is registered under its model_version as title, and a retrained
backend renames it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from ..errors import ConnectionFailed, RequestRejected
from ..studio.client import MLBackendInfo, Project, Studio, public_url
from ..studio.projects import lookup_project

log = logging.getLogger("labeling.serve")


@dataclass
class ConnectResult:
    project_id: int
    project_title: str
    backend: MLBackendInfo
    model_version: str
    changes: list[str] = field(default_factory=list)  # empty: everything was already in place


@dataclass
class BackendStatus:
    project_id: int
    project_title: str
    backends: list[MLBackendInfo]
    settings: dict[str, Any]
    health: dict[str, dict[str, Any] | str]  # backend url -> its /health answer, or why it failed


def backend_health(url: str, *, auth: tuple[str, str] | None = None, timeout: float = 5) -> dict[str, Any]:
    """The backend's own /health answer; ConnectionFailed when it does not answer."""
    try:
        r = httpx.get(url.rstrip("/") + "/health", auth=auth, timeout=timeout)
    except httpx.HTTPError as exc:
        raise ConnectionFailed(
            f"No ML backend answers at {public_url(url)} ({exc.__class__.__name__}).", "Start it first: labeling serve --port PORT (in another terminal)."
        ) from None
    if r.status_code != 200:
        raise ConnectionFailed(f"The ML backend at {public_url(url)} answered /health with HTTP {r.status_code}: {r.text[:200]}")
    return r.json()


def find_project(studio: Studio, *, title: str | None, project_id: int | None) -> Project:
    """The project by id or exact title; its labeling config is left as it is (the backend's /setup checks it)."""
    hint = "Pass one of the titles above exactly, or push documents first: labeling push INPUT --project TITLE."
    return lookup_project(studio, title=title, project_id=project_id, hint=hint)


def connect_backend(studio: Studio, *, url: str, title: str | None = None, project_id: int | None = None, auth: tuple[str, str] | None = None) -> ConnectResult:
    """Register the backend at `url` with the project and set it up for suggestions on task open.

    A second call with the same arguments changes nothing (`changes` is empty).
    """
    health = backend_health(url, auth=auth)
    version = str(health.get("model_version", ""))
    project = find_project(studio, title=title, project_id=project_id)
    changes: list[str] = []
    wanted = url.rstrip("/")
    backend = next((b for b in studio.ml_backends(project.id) if b.url.rstrip("/") == wanted), None)
    if backend is None:
        try:
            backend = studio.create_ml_backend(project.id, url=wanted, title=version, basic_auth=auth)
        except RequestRejected as exc:
            raise RequestRejected(
                f"Label Studio refused to connect the backend at {public_url(url)}: {exc.message}",
                exc.hint or "If it mentions labels, the project's labeling config is not the scheme's: push into a project made by `labeling push`.",
            ) from None
        changes.append(f"connected the ML backend {public_url(url)} (id {backend.id})")
    elif backend.title != version:
        backend = studio.update_ml_backend(backend.id, title=version)
        changes.append(f"renamed the ML backend to its model_version {version!r}")
    settings = studio.project_settings(project.id)
    update: dict[str, Any] = {}
    if not settings["show_collab_predictions"]:
        update["show_collab_predictions"] = True
        changes.append("turned on 'show predictions to annotators'")
    if settings["model_version"] != version:
        update["model_version"] = version
        changes.append(f"set the project's model_version {settings['model_version'] or '(none)'!r} -> {version!r}")
    if update:
        studio.update_project(project.id, **update)
    return ConnectResult(project.id, project.title, backend, version, changes)


def backend_status(studio: Studio, *, title: str | None = None, project_id: int | None = None, auth: tuple[str, str] | None = None) -> BackendStatus:
    project = find_project(studio, title=title, project_id=project_id)
    backends = studio.ml_backends(project.id)
    health: dict[str, dict[str, Any] | str] = {}
    for b in backends:
        try:
            health[b.url] = backend_health(b.url, auth=auth)
        except ConnectionFailed as exc:
            health[b.url] = exc.message
    return BackendStatus(project.id, project.title, backends, studio.project_settings(project.id), health)


class VersionFollower:
    """Keeps each project on the model_version the backend serves now: its backend's title and the project's setting.

    A finished training and a webhook's memory update both call `follow` from
    their own threads, in any order: each call reads what is served *now*
    (model + the project's memory) under one lock, so the last call to finish
    always leaves the current version, never a stale one. A backend counts as
    ours when its title starts with a model_version this process has served.
    """

    def __init__(self, model_version: Callable[[], str], suffix: Callable[[int], str], *, connect: Callable[[], Studio] = Studio.connect):
        self._model_version = model_version
        self._suffix = suffix
        self._connect = connect
        self._models = {model_version()}
        self._lock = threading.Lock()

    def follow(self, project_id: int) -> None:
        with self._lock:
            model = self._model_version()
            self._models.add(model)
            new = model + self._suffix(project_id)
            studio = self._connect()
            ours = [b for b in studio.ml_backends(project_id) if any(b.title.startswith(m) for m in self._models)]
            if not ours:
                log.info("project %s has no backend registered under a model_version served here: its model_version is left as it is", project_id)
                return
            for b in ours:
                if b.title != new:
                    studio.update_ml_backend(b.id, title=new)
            if studio.project_settings(project_id)["model_version"] != new:
                studio.update_project(project_id, model_version=new)
