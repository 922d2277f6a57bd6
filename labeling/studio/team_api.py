"""Studio calls about people: accounts (sign-up through the invite link, login), members, who annotated what."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import httpx

from ..errors import AuthFailed, RequestRejected
from .transport import Session, translate_errors


@dataclass
class Member:
    id: int
    email: str


def _form_errors(page: str) -> str:
    """The error messages of a re-rendered Django form page (never the page itself)."""
    found = re.findall(r'class="[^"]*(?:error|field_errors)[^"]*"[^>]*>\s*(?:<[^>]+>\s*)*([^<]{3,200})', page)
    return "; ".join(dict.fromkeys(html.unescape(f).strip() for f in found)) or "the sign-up form was not accepted"


class TeamAPI(Session):
    def user_emails(self) -> dict[int, str]:
        """User id -> email, to name annotators (the export only carries ids)."""
        with translate_errors(self.url):
            return {u.id: u.email or u.username or str(u.id) for u in self._sdk.users.list()}

    def members(self) -> list[Member]:
        """Every user of the organisation (id, email)."""
        with translate_errors(self.url):
            return sorted((Member(u.id or 0, u.email or u.username or "") for u in self._sdk.users.list()), key=lambda m: m.id)

    def sign_up(self, email: str, password: str) -> None:
        """Create an account with a password through the organisation's invite link (the way Community supports it).

        `POST /api/users/` sets no usable password; the invite sign-up form does.
        """
        with translate_errors(self.url):
            invite = self._http().request("api/invite", method="GET")
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
        with translate_errors(url), httpx.Client(base_url=url, timeout=60, follow_redirects=False) as web:
            web.get("/user/login/")
            form = {"email": email, "password": password, "csrfmiddlewaretoken": web.cookies.get("csrftoken", "")}
            r = web.post("/user/login/", data=form, headers={"Referer": f"{url}/user/login/"})
            if r.status_code not in (301, 302, 303):
                raise AuthFailed(f"Label Studio refused the login of {email}.", "Check the password file, or add the account again with --password-file.")
            got = web.get("/api/current-user/token")
            got.raise_for_status()
            return str(got.json()["token"])

    def tasks_by_annotator(self, project_id: int) -> dict[int, int]:
        """User id -> number of the project's tasks that user annotated (submitted or skipped)."""
        counts: dict[int, int] = {}
        with translate_errors(self.url):
            # `include` keeps the payload to two fields; Label Studio computes `annotators` only with fields=all.
            for t in self._sdk.tasks.list(project=project_id, fields="all", include="id,annotators", page_size=1000):
                for user_id in set(getattr(t, "annotators", None) or []):
                    if isinstance(user_id, int):
                        counts[user_id] = counts.get(user_id, 0) + 1
        return counts
