"""Annotator accounts and overlap: a team on Label Studio Community, driven from the CLI.

Accounts are made through the organisation's invite link (the only way
Community gives an account a usable password, see docs/team.md). A password
never travels in argv, output or logs: it is read from a file only its owner
can read, or generated and written to such a file, whose path is returned.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, LabelingError
from ..paths import state_dir
from .client import Studio
from .projects import lookup_project

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8  # Django's default MinimumLengthValidator


@dataclass
class Added:
    email: str
    user_id: int
    password_file: Path
    generated: bool  # True when the toolkit made the password (and wrote password_file)


@dataclass
class MemberWork:
    id: int
    email: str
    done: dict[str, int] = field(default_factory=dict)  # project title -> tasks annotated


def password_dir(home: Path | None = None) -> Path:
    return (home or state_dir()) / "team"


def read_password_file(path: Path) -> str:
    """The password in `path` (first line), refusing a file that others can read."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputError(
            str(path), "no such password file", "Write the password into a file first (chmod 600), or leave out --password-file to generate one."
        ) from None
    if stat.S_IMODE(st.st_mode) & 0o077:
        raise InputError(str(path), f"readable by others (mode {stat.S_IMODE(st.st_mode):o}); a password file must be mode 600", f"Run: chmod 600 {path}")
    lines = path.read_text(encoding="utf-8").splitlines()
    password = lines[0].strip() if lines else ""
    if len(password) < MIN_PASSWORD:
        raise InputError(f"{path}:1", f"the password is shorter than {MIN_PASSWORD} characters", "Write a longer password on the first line.")
    return password


def write_private(path: Path, text: str) -> None:
    """Create `path` readable only by its owner; refuse to overwrite an existing file."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text + "\n")


def add_member(studio: Studio, email: str, *, password_file: Path | None = None, home: Path | None = None) -> Added:
    """Create an annotator account that logs in at the Label Studio URL with the password in the returned file."""
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise InputError(repr(email), "not an email address", "For example: labeling team add ana@example.org")
    if any(m.email.lower() == email for m in studio.members()):
        raise LabelingError(f"{email} already has an account on {studio.url}.", "They log in with their password; `labeling team list` shows the team.")
    generated = password_file is None
    if password_file is None:
        password_file = password_dir(home) / f"{email}.password"
        if password_file.exists():
            raise LabelingError(f"{password_file} already exists.", "Pass it with --password-file, or move it away.")
        password = secrets.token_urlsafe(15)
        write_private(password_file, password)  # before the account exists: a password is never lost
    else:
        password = read_password_file(password_file)
    try:
        studio.sign_up(email, password)
    except BaseException:
        if generated:
            password_file.unlink(missing_ok=True)  # no account, so no file either
        raise
    user_id = next(m.id for m in studio.members() if m.email.lower() == email)
    return Added(email, user_id, password_file, generated)


def list_members(studio: Studio) -> list[MemberWork]:
    """Every member with the number of tasks they annotated in each project that has work by them."""
    work = {m.id: MemberWork(m.id, m.email) for m in studio.members()}
    for project in studio.projects():
        for user_id, n in studio.tasks_by_annotator(project.id).items():
            if user_id in work:
                work[user_id].done[project.title] = n
    return list(work.values())


def set_overlap(studio: Studio, *, annotators: int, share: int = 100, title: str | None = None, project_id: int | None = None) -> tuple[int, int]:
    """Make each document go to `annotators` different people (for `share` % of documents); returns the project's settings after."""
    check_overlap(annotators, share)
    project = lookup_project(
        studio, title=title, project_id=project_id, hint="Check the title, or push documents first: labeling push INPUT --project TITLE --overlap K."
    )
    studio.set_overlap(project.id, annotators, share)
    return studio.overlap(project.id)


def check_overlap(annotators: int, share: int) -> None:
    if annotators < 1:
        raise LabelingError(f"--overlap {annotators}: at least one annotator per document.", "For two annotators per document: --overlap 2")
    if not 0 <= share <= 100:
        raise LabelingError(f"--overlap-share {share}: a percentage from 0 to 100.", "For a 20 % sample under overlap: --overlap-share 20")
