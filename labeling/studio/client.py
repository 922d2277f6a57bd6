"""The one entry point to Label Studio: `Studio` (labeling/studio/ is the only importer of label_studio_sdk).

Everything else asks a Studio for projects, task indexes, imports and
exports, and gets plain Python values back. Its calls are grouped by concern,
one module each: projects_api, tasks_api (tasks, predictions, exports),
team_api (accounts, overlap) and ml_api (ML backends), all on the session and
error translation of transport.py. Connection and auth problems turn
into typed errors with a next step.

Connection settings, in order: explicit arguments; LABEL_STUDIO_URL and
LABEL_STUDIO_API_KEY from the environment (legacy tokens and personal access
tokens both work: the SDK exchanges a PAT for an access token); else the
embedded server's credentials file.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from ..errors import ConnectionFailed
from .ml_api import MLAPI, MLBackendInfo
from .projects_api import Project, ProjectsAPI
from .server import load_credentials
from .tasks_api import TasksAPI, TaskState
from .team_api import Member, TeamAPI
from .transport import public_url, translate_errors

__all__ = ["MLBackendInfo", "Member", "Project", "Studio", "TaskState", "public_url"]


class Studio(ProjectsAPI, TasksAPI, TeamAPI, MLAPI):
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
            with translate_errors(self.url):
                raise
        except (httpx.HTTPError, ValueError, AttributeError):
            version = None
        if not version:
            raise ConnectionFailed(
                f"{public_url(self.url)} does not look like a Label Studio server (no /api/version).",
                "Check LABEL_STUDIO_URL: it is the address you open in the browser, e.g. http://127.0.0.1:8080.",
            )
        with translate_errors(self.url):
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
