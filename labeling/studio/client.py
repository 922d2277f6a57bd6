"""The one module that talks to Label Studio (the only importer of label_studio_sdk).

Everything else asks this module for projects, task indexes, imports and
exports, and gets plain Python values back. Connection and auth problems turn
into typed errors with a next step.

Connection settings, in order: explicit arguments; LABEL_STUDIO_URL and
LABEL_STUDIO_API_KEY from the environment (legacy tokens and personal access
tokens both work: the SDK exchanges a PAT for an access token); else the
embedded server's credentials file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from ..errors import AuthFailed, ConfigConflict, ConnectionFailed, DatabaseLocked, LabelingError, ProjectGone, ProjectNotFound, RequestRejected
from .server import load_credentials

NO_RETRY = {"max_retries": 0}  # imports must never be sent twice by the SDK: resume logic does that safely
# Without Redis, Label Studio builds an export inside the create request: minutes for 100,000
# tasks (about 4 on SQLite here), far beyond the default timeout. Never retried: a retry would
# start a second export while the first is still being built.
EXPORT_TIMEOUT = 3600


def public_url(url: str) -> str:
    """The URL without user:password@ and without query: safe for manifests and logs."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))


@dataclass
class Project:
    id: int
    title: str
    label_config: str
    task_count: int
    model_version: str | None
    description: str = ""


@dataclass
class Member:
    id: int
    email: str


@dataclass
class TaskState:
    id: int
    data: dict
    annotations: int  # submitted plus cancelled (skipped)


@contextmanager
def _project_gone(project_id: int):
    """A 404 while writing into a project means another push removed it (a twin made by a race)."""
    try:
        yield
    except ApiError as exc:
        if exc.status_code == 404:
            raise ProjectGone(f"Project {project_id} was removed while this push was writing to it.", "Re-run the push.") from None
        raise


@contextmanager
def _translate_errors(url: str):
    """Turn transport and HTTP failures into one clear error each."""
    try:
        yield
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        raise ConnectionFailed(
            f"Cannot reach Label Studio at {public_url(url)} ({exc.__class__.__name__}).",
            "Start the embedded server with `labeling server start`, or set LABEL_STUDIO_URL to your team's server.",
        ) from None
    except httpx.HTTPError as exc:
        raise ConnectionFailed(f"Network error talking to {public_url(url)}: {exc}", "Check the URL and re-run; the command is safe to repeat.") from None
    except ApiError as exc:
        if exc.status_code == 403 and (blocked := _blocked_address(exc.body)):
            raise RequestRejected(
                f"Label Studio at {public_url(url)} refused the address (HTTP 403): {blocked}",
                "Its SSRF protection blocks private and local addresses. Start that Label Studio with ML_BLOCK_LOCAL_IP=false "
                "(ML backends) and SSRF_PROTECTION_ENABLED=false (webhooks), as `labeling server start` does, "
                "or give an address it accepts (--url http://HOST:9090 with HOST a public name of this machine).",
            ) from None
        if exc.status_code == 403 and not _token_refused(exc.body):
            raise LabelingError(
                f"Label Studio at {public_url(url)} refused the request (HTTP 403): {_short(exc.body)}",
                "The token was accepted; the account it belongs to may lack the permission (ask the server's admin).",
            ) from None
        if exc.status_code in (401, 403):
            raise AuthFailed(
                f"Label Studio at {public_url(url)} refused the API token (HTTP {exc.status_code}).",
                "Set LABEL_STUDIO_API_KEY to a valid token (Account & Settings in Label Studio), or unset it to use the embedded server's credentials.",
            ) from None
        if exc.status_code == 400:
            raise RequestRejected(f"Label Studio refused the request: {_short(exc.body)}") from None
        if "database is locked" in _short(exc.body):
            raise DatabaseLocked(
                f"Label Studio at {public_url(url)} answered `database is locked`: its SQLite database serves one writer at a time, and another write held it.",
                "Retry after the other push (or bulk action) ends; the command is safe to repeat. A team pushing at once needs Label Studio on PostgreSQL.",
            ) from None
        raise LabelingError(f"Label Studio at {public_url(url)} answered HTTP {exc.status_code}: {_short(exc.body)}") from None


def _detail(body: Any) -> str:
    return str(body.get("detail", "")) if isinstance(body, dict) else str(body or "")


def _blocked_address(body: Any) -> str | None:
    """Label Studio's reason when its SSRF protection refused a URL (core/utils/io.py: 'URL resolves to a reserved network address')."""
    detail = _detail(body)
    return detail if "reserved network address" in detail else None


def _token_refused(body: Any) -> bool:
    """A 403 about the credentials themselves (DRF: 'Invalid token.', 'Authentication credentials were not provided.')."""
    detail = _detail(body).lower()
    return not detail or any(word in detail for word in ("token", "credential", "authenticat"))


def _form_errors(page: str) -> str:
    """The error messages of a re-rendered Django form page (never the page itself)."""
    import html
    import re

    found = re.findall(r'class="[^"]*(?:error|field_errors)[^"]*"[^>]*>\s*(?:<[^>]+>\s*)*([^<]{3,200})', page)
    return "; ".join(dict.fromkeys(html.unescape(f).strip() for f in found)) or "the sign-up form was not accepted"


def _short(body: Any) -> str:
    text = body if isinstance(body, str) else json.dumps(body, default=str)
    if text.lstrip().startswith("<"):
        return "(an HTML page, not an API answer)"
    return text[:500]


class Studio:
    """A connection to one Label Studio server."""

    def __init__(self, url: str, api_key: str, *, timeout: float = 120):
        self.url = url.rstrip("/")
        self._sdk = LabelStudio(base_url=self.url, api_key=api_key, timeout=timeout)
        self.version = self._check(api_key)

    @classmethod
    def connect(cls, url: str | None = None, api_key: str | None = None, *, home: Path | None = None) -> Studio:
        url = url or os.environ.get("LABEL_STUDIO_URL")
        api_key = api_key or os.environ.get("LABEL_STUDIO_API_KEY")
        if not url or not api_key:
            creds = load_credentials(home)
            if creds is None:
                raise ConnectionFailed(
                    "No Label Studio to talk to: LABEL_STUDIO_URL / LABEL_STUDIO_API_KEY are not set and the embedded server has never been started here.",
                    "Run `labeling server start` (or set LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY).",
                )
            url, api_key = url or creds.url, api_key or creds.token
        return cls(url, api_key)

    def _check(self, api_key: str) -> str:
        """Version of the server; proves the URL is Label Studio and the token works."""
        try:
            r = httpx.get(f"{self.url}/api/version", timeout=10)
            version = r.json().get("release") if r.status_code == 200 else None
        except (httpx.ConnectError, httpx.ConnectTimeout):
            with _translate_errors(self.url):
                raise
        except (httpx.HTTPError, ValueError, AttributeError):
            version = None
        if not version:
            raise ConnectionFailed(
                f"{public_url(self.url)} does not look like a Label Studio server (no /api/version).",
                "Check LABEL_STUDIO_URL: it is the address you open in the browser, e.g. http://127.0.0.1:8080.",
            )
        with _translate_errors(self.url):
            try:
                self._sdk.users.whoami()
            except ApiError as exc:
                if exc.status_code == 404:
                    raise ConnectionFailed(
                        f"{public_url(self.url)} answers, but not with Label Studio's API (HTTP 404 on /api/current-user/whoami).",
                        "Check LABEL_STUDIO_URL: use the server's root address, e.g. http://127.0.0.1:8080, without a path.",
                    ) from None
                raise
        return version

    # -- projects ---------------------------------------------------------

    def _project(self, p: Any) -> Project:
        return Project(p.id, p.title or "", p.label_config or "", p.task_number or 0, p.model_version or None, p.description or "")

    def find_project(self, title: str) -> Project | None:
        """The project with exactly this title (Label Studio's own filter matches substrings)."""
        with _translate_errors(self.url):
            matches = [p for p in self._sdk.projects.list(title=title, page_size=100) if p.title == title]
        if len(matches) > 1:
            ids = ", ".join(str(p.id) for p in matches)
            raise LabelingError(f"{len(matches)} projects are titled {title!r} (ids {ids}).", "Name one with --project-id.")
        return self.get_project(matches[0].id) if matches else None

    def get_project(self, project_id: int) -> Project:
        with _translate_errors(self.url):
            try:
                return self._project(self._sdk.projects.get(id=project_id))
            except ApiError as exc:
                if exc.status_code == 404:
                    raise ProjectNotFound(
                        f"No project with id {project_id} on {public_url(self.url)}.", "List projects in the Label Studio UI, or use --project TITLE."
                    ) from None
                raise

    def project_titles(self) -> list[str]:
        with _translate_errors(self.url):
            return [p.title or "" for p in self._sdk.projects.list(page_size=100)]

    def create_project(self, *, title: str, label_config: str, instructions_html: str, description: str) -> Project:
        with _translate_errors(self.url):
            p = self._sdk.projects.create(
                title=title,
                label_config=label_config,
                expert_instruction=instructions_html,
                show_instruction=True,
                description=description,
            )
        return self.get_project(p.id)

    def update_project(self, project_id: int, **fields: Any) -> None:
        """Change project fields; a labeling config Label Studio rejects raises ConfigConflict."""
        with _translate_errors(self.url):
            try:
                self._sdk.projects.update(id=project_id, **fields)
            except ApiError as exc:
                if exc.status_code == 400 and "label_config" in fields:
                    raise ConfigConflict(f"Label Studio rejected the new labeling config: {_short(exc.body)}") from None
                raise

    def validate_config(self, project_id: int, label_config: str) -> str | None:
        """None when Label Studio would accept `label_config` for this project, else its reason."""
        with _translate_errors(self.url):
            try:
                self._sdk.projects.validate_label_config(id=project_id, label_config=label_config)
                return None
            except ApiError as exc:
                if exc.status_code == 400:
                    return _short(exc.body)
                raise

    # -- tasks --------------------------------------------------------------

    def iter_task_data(self, project_id: int, *, page_size: int = 1000, query: dict | None = None) -> Iterator[tuple[int, dict]]:
        """(task id, task data) for every task, a page at a time (never the whole project in memory)."""
        with _translate_errors(self.url):
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
        with _translate_errors(self.url), _project_gone(project_id):
            r = self._sdk.projects.import_tasks(id=project_id, request=tasks, commit_to_project=True, return_task_ids=True, request_options=NO_RETRY)
        return list(getattr(r, "task_ids", None) or [])

    def import_predictions(self, project_id: int, predictions: list[dict]) -> int:
        """Add predictions ({task, model_version, score, result}) to existing tasks in one request."""
        with _translate_errors(self.url), _project_gone(project_id):
            r = self._sdk.projects.import_predictions(id=project_id, request=predictions, request_options=NO_RETRY)
        return int(getattr(r, "created", None) or len(predictions))

    # -- reconciling what concurrent pushes made (see studio/reconcile.py) ----

    def projects_titled(self, title: str) -> list[Project]:
        """Every project with exactly this title, lowest id first."""
        with _translate_errors(self.url):
            found = [p for p in self._sdk.projects.list(title=title, page_size=100) if p.title == title]
        return sorted((self._project(p) for p in found), key=lambda p: p.id)

    def iter_task_states(self, project_id: int, *, page_size: int = 1000) -> Iterator[TaskState]:
        """Every task's id, data and annotation counts, a page at a time."""
        with _translate_errors(self.url), _project_gone(project_id):
            pager = self._sdk.tasks.list(project=project_id, fields="task_only", include="id,data,total_annotations,cancelled_annotations", page_size=page_size)
            for t in pager:
                yield TaskState(t.id or 0, t.data or {}, (t.total_annotations or 0) + (t.cancelled_annotations or 0))

    def task_holds_work(self, task_id: int) -> bool:
        """True when the task holds an annotation (submitted or skipped) or anyone's draft.

        Asked of the task itself: the stored `total_annotations` counter is kept by Django
        signals, which Label Studio switches off process-wide during a project DELETE.
        """
        http = self._sdk._client_wrapper.httpx_client
        for what in ("annotations", "drafts"):
            with _translate_errors(self.url):
                r = http.request(f"api/tasks/{task_id}/{what}", method="GET")
            if r.status_code == 404:
                return False  # the task is gone
            r.raise_for_status()
            if r.json():
                return True
        return False

    def model_versions(self, project_id: int) -> list[str]:
        """Every model_version that has predictions in the project."""
        with _translate_errors(self.url):
            r = self._sdk._client_wrapper.httpx_client.request(f"api/projects/{project_id}/model-versions/", method="GET")
        r.raise_for_status()
        return sorted(str(v) for v in (r.json() or {}))

    def task_predictions(self, task_id: int) -> list[dict]:
        """A task's predictions as importable dicts (model_version, score, result)."""
        with _translate_errors(self.url):
            return [{"model_version": p.model_version or "", "score": p.score, "result": p.result or []} for p in self._sdk.predictions.list(task=task_id)]

    def prediction_id(self, task_id: int, model_version: str) -> int | None:
        """The id of a task's latest prediction from `model_version` (what an annotation's parent_prediction names)."""
        with _translate_errors(self.url):
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
        with _translate_errors(self.url), _project_gone(project_id):
            r = self._sdk.actions.with_raw_response.create(
                id="delete_tasks",
                project=project_id,
                filters={"conjunction": "and", "items": none},
                selected_items={"all": False, "included": task_ids},
                request_options=NO_RETRY,  # a timed-out delete may still run: the caller re-reads instead
            )
        return int(r.response.json().get("processed_items", 0))

    # -- exports ------------------------------------------------------------

    def create_export(self, project_id: int, title: str = "labeling pull") -> int:
        """Ask Label Studio for a snapshot export of all tasks; returns its id once it is ready."""
        import time

        with _translate_errors(self.url):
            # Full predictions (not only ids), so the pull can find the exact prediction each
            # annotation started from (`parent_prediction`), whatever the project's model_version.
            export = self._sdk.projects.exports.create(
                id=project_id,
                title=title,
                serialization_options={"predictions": {"only_id": False}},
                request_options={"timeout_in_seconds": EXPORT_TIMEOUT, "max_retries": 0},
            )
            while True:
                got = self._sdk.projects.exports.get(id=project_id, export_pk=export.id)
                status = str(getattr(got, "status", "completed"))
                if status.endswith("completed"):
                    return export.id
                if status.endswith("failed"):
                    raise LabelingError(
                        f"Label Studio failed to build export {export.id} of project {project_id}.", "Retry; if it fails again see the server log."
                    )
                time.sleep(0.5)

    def download_export(self, project_id: int, export_id: int, dest: Path) -> int:
        """Stream the export (Label Studio JSON) into `dest`; returns bytes written."""
        n = 0
        with _translate_errors(self.url), open(dest, "wb") as fh:
            for chunk in self._sdk.projects.exports.download(id=project_id, export_pk=export_id, export_type="JSON"):
                fh.write(chunk)
                n += len(chunk)
        return n

    # -- annotations (tests and the demo make annotations the way the UI submits them) --

    def create_annotation(self, task_id: int, result: list[dict], **fields: Any) -> int:
        with _translate_errors(self.url):
            return self._sdk.annotations.create(id=task_id, result=result, **fields).id

    def sdk_for_tests(self) -> LabelStudio:
        """The raw SDK client, for test set-up that has no library use (creating users)."""
        return self._sdk

    # -- the project memory (labeling/learn/) --

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
        with _translate_errors(self.url), _project_gone(project_id):
            pager: Any = self._sdk.tasks.list(project=project_id, fields="all", page_size=page_size, query=query)
            for t in pager:
                yield {
                    "id": t.id,
                    "data": t.data or {},
                    "annotations": [a if isinstance(a, dict) else a.dict() for a in (t.annotations or [])],
                    "predictions": [p if isinstance(p, dict) else p.dict() for p in (t.predictions or [])],
                }

    # -- pull --

    def user_emails(self) -> dict[int, str]:
        """User id -> email, to name annotators (the export only carries ids)."""
        with _translate_errors(self.url):
            return {u.id: u.email or u.username or str(u.id) for u in self._sdk.users.list()}

    # -- team: accounts, overlap, who annotated what (labeling team / labeling review) --------

    def members(self) -> list[Member]:
        """Every user of the organisation (id, email)."""
        with _translate_errors(self.url):
            return sorted((Member(u.id or 0, u.email or u.username or "") for u in self._sdk.users.list()), key=lambda m: m.id)

    def sign_up(self, email: str, password: str) -> None:
        """Create an account with a password through the organisation's invite link (the way Community supports it).

        `POST /api/users/` sets no usable password; the invite sign-up form does.
        """
        with _translate_errors(self.url):
            invite = self._sdk._client_wrapper.httpx_client.request("api/invite", method="GET")
            invite.raise_for_status()
            path = invite.json()["invite_url"]
            with httpx.Client(base_url=self.url, timeout=60, follow_redirects=False) as web:
                web.get(path)
                form = {"email": email, "password": password, "allow_newsletters": "false", "csrfmiddlewaretoken": web.cookies.get("csrftoken", "")}
                r = web.post(path, data=form, headers={"Referer": f"{self.url}{path}"})
        if r.status_code not in (301, 302, 303):
            raise RequestRejected(f"Label Studio refused to create the account {email}: {_form_errors(r.text)}")

    @staticmethod
    def login_token(url: str, email: str, password: str) -> str:
        """An annotator's own API token: log in through the form as they would, then ask for it."""
        url = url.rstrip("/")
        with _translate_errors(url), httpx.Client(base_url=url, timeout=60, follow_redirects=False) as web:
            web.get("/user/login/")
            form = {"email": email, "password": password, "csrfmiddlewaretoken": web.cookies.get("csrftoken", "")}
            r = web.post("/user/login/", data=form, headers={"Referer": f"{url}/user/login/"})
            if r.status_code not in (301, 302, 303):
                raise AuthFailed(f"Label Studio refused the login of {email}.", "Check the password file, or add the account again with --password-file.")
            got = web.get("/api/current-user/token")
            got.raise_for_status()
            return str(got.json()["token"])

    def set_overlap(self, project_id: int, annotators: int, share: int = 100) -> None:
        """Each task is served until `annotators` people annotated it (for `share` % of tasks): Label Studio's
        `maximum_annotations` / `overlap_cohort_percentage`, accepted by the project API in Community."""
        self.update_project(project_id, maximum_annotations=annotators, overlap_cohort_percentage=share)

    def overlap(self, project_id: int) -> tuple[int, int]:
        """(maximum_annotations, overlap_cohort_percentage) of a project."""
        with _translate_errors(self.url):
            p = self._sdk.projects.get(id=project_id)
        return int(p.maximum_annotations or 1), int(p.overlap_cohort_percentage if p.overlap_cohort_percentage is not None else 100)

    def tasks_by_annotator(self, project_id: int) -> dict[int, int]:
        """User id -> number of the project's tasks that user annotated (submitted or skipped)."""
        counts: dict[int, int] = {}
        with _translate_errors(self.url):
            # `include` keeps the payload to two fields; Label Studio computes `annotators` only with fields=all.
            for t in self._sdk.tasks.list(project=project_id, fields="all", include="id,annotators", page_size=1000):
                for user_id in set(getattr(t, "annotators", None) or []):
                    if isinstance(user_id, int):
                        counts[user_id] = counts.get(user_id, 0) + 1
        return counts

    def projects(self) -> list[Project]:
        with _translate_errors(self.url):
            return sorted((self._project(p) for p in self._sdk.projects.list(page_size=100)), key=lambda p: p.id)

    # -- ML backends (labeling serve / labeling backend) -------------------------

    def ml_backends(self, project_id: int) -> list[MLBackendInfo]:
        """The ML backends connected to a project, as Label Studio sees them (state, model_version)."""
        with _translate_errors(self.url):
            return [_ml_info(b) for b in self._sdk.ml.list(project=project_id)]

    def create_ml_backend(
        self, project_id: int, *, url: str, title: str, basic_auth: tuple[str, str] | None = None, timeout: float | None = None
    ) -> MLBackendInfo:
        """Connect a backend: Label Studio checks its /health and /setup first and refuses (RequestRejected) when they fail."""
        auth: dict[str, Any] = {"auth_method": "BASIC_AUTH", "basic_auth_user": basic_auth[0], "basic_auth_pass": basic_auth[1]} if basic_auth else {}
        if timeout is not None:
            auth["timeout"] = timeout
        with _translate_errors(self.url):
            return _ml_info(self._sdk.ml.create(project=project_id, url=url, title=title, is_interactive=False, auto_update=True, **auth))

    def update_ml_backend(self, backend_id: int, **fields: Any) -> MLBackendInfo:
        """Change a connected backend's fields (title, ...).

        Label Studio 1.23 re-validates every PATCH by calling the backend's /health
        and /setup with the PATCH's own fields, and answers HTTP 500 when `url` or
        `project` is missing: both are sent along.
        """
        with _translate_errors(self.url):
            current = self._sdk.ml.get(id=backend_id)
            return _ml_info(self._sdk.ml.update(id=backend_id, **{"url": current.url, "project": current.project, **fields}))

    def project_settings(self, project_id: int) -> dict[str, Any]:
        """The project fields that decide whether suggestions show on task open."""
        with _translate_errors(self.url):
            p = self._sdk.projects.get(id=project_id)
        return {"show_collab_predictions": p.show_collab_predictions, "model_version": p.model_version or ""}

    def run_action(self, project_id: int, action: str, *, task_ids: list[int] | None = None, timeout: float = 300) -> None:
        """Run a Data Manager action (e.g. retrieve_tasks_predictions) on the given tasks, or on all tasks."""
        selected: dict[str, Any] = {"all": False, "included": task_ids} if task_ids is not None else {"all": True, "excluded": []}
        with _translate_errors(self.url):
            self._sdk.actions.create(id=action, project=project_id, selected_items=selected, request_options={"timeout_in_seconds": timeout, "max_retries": 0})

    def project_predictions(self, project_id: int) -> dict[int, list[dict[str, Any]]]:
        """Task id -> its predictions ({model_version, score, result}), for every task of the project."""
        out: dict[int, list[dict[str, Any]]] = {}
        with _translate_errors(self.url):
            pager: Any = self._sdk.tasks.list(project=project_id, fields="all", page_size=500)
            for t in pager:
                preds = t.predictions or []
                out[t.id] = [p if isinstance(p, dict) else p.dict() for p in preds]
        return out


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
