"""How the client reaches Label Studio: the SDK session, and its failures turned into typed errors.

Every group of Studio calls (projects_api, tasks_api, team_api, ml_api) is a
Session: it talks through `self._sdk` inside `translate_errors(self.url)`, so a
transport or HTTP failure becomes one clear error with a next step.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError
from label_studio_sdk.core.http_client import HttpClient

from ..errors import AuthFailed, ConnectionFailed, DatabaseLocked, LabelingError, ProjectGone, RequestRejected

NO_RETRY = {"max_retries": 0}  # imports must never be sent twice by the SDK: resume logic does that safely


class Session:
    """What every group of Studio calls shares: the server's address and the SDK client (set by Studio.__init__)."""

    url: str
    _sdk: LabelStudio

    def _http(self) -> HttpClient:
        """The SDK's own authenticated HTTP client, for what its public surface does not offer.

        The SDK has no call for a task's drafts or a project's model versions, and its
        typed calls raise on a 404 that task_holds_work reads as "the task is gone"; the
        invite link (sign_up) is read the same way so its failures surface alike. This is
        the one place that reads the SDK's private `_client_wrapper`.
        """
        return self._sdk._client_wrapper.httpx_client


def public_url(url: str) -> str:
    """The URL without user:password@ and without query: safe for manifests and logs."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))


@contextmanager
def project_gone(project_id: int):
    """A 404 while writing into a project means another push removed it (a twin made by a race)."""
    try:
        yield
    except ApiError as exc:
        if exc.status_code == 404:
            raise ProjectGone(f"Project {project_id} was removed while this push was writing to it.", "Re-run the push.") from None
        raise


@contextmanager
def translate_errors(url: str):
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
                f"Label Studio at {public_url(url)} refused the request (HTTP 403): {short(exc.body)}",
                "The token was accepted; the account it belongs to may lack the permission (ask the server's admin).",
            ) from None
        if exc.status_code in (401, 403):
            raise AuthFailed(
                f"Label Studio at {public_url(url)} refused the API token (HTTP {exc.status_code}).",
                "Set LABEL_STUDIO_API_KEY to a valid token (Account & Settings in Label Studio), or unset it to use the embedded server's credentials.",
            ) from None
        if exc.status_code == 400:
            raise RequestRejected(f"Label Studio refused the request: {short(exc.body)}") from None
        if "database is locked" in short(exc.body):
            raise DatabaseLocked(
                f"Label Studio at {public_url(url)} answered `database is locked`: its SQLite database serves one writer at a time, and another write held it.",
                "Retry after the other push (or bulk action) ends; the command is safe to repeat. A team pushing at once needs Label Studio on PostgreSQL.",
            ) from None
        raise LabelingError(f"Label Studio at {public_url(url)} answered HTTP {exc.status_code}: {short(exc.body)}") from None


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


def short(body: Any) -> str:
    text = body if isinstance(body, str) else json.dumps(body, default=str)
    if text.lstrip().startswith("<"):
        return "(an HTML page, not an API answer)"
    return text[:500]
