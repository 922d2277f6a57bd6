"""PostgreSQL for the embedded Label Studio: the URL, the password, a check before starting.

    db = parse_url("postgresql://labeling@127.0.0.1:5432/labeling")
    password = read_password(password_file)   # file (0600), LABELING_DB_PASSWORD or PGPASSWORD
    check(db, password)                       # a clear DatabaseError now, not a crash 40 s later
    env = db.environment(password)            # what Label Studio reads: DJANGO_DB, POSTGRE_*

The password never goes into a URL, argv, a log or a state file: only into the
Label Studio child's environment, which is how Label Studio reads it.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..errors import LabelingError

PASSWORD_ENV = ("LABELING_DB_PASSWORD", "PGPASSWORD")
DEFAULT_PG_PORT = 5432


class DatabaseError(LabelingError):
    """The database URL, password or server is not usable; the message never holds the password."""


@dataclass(frozen=True)
class Database:
    user: str
    host: str
    port: int
    name: str

    @property
    def url(self) -> str:
        """The URL without a password: safe to store and print."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.name}"

    def describe(self) -> str:
        return f"PostgreSQL {self.user}@{self.host}:{self.port}/{self.name}"

    def environment(self, password: str | None) -> dict[str, str]:
        env = {
            "DJANGO_DB": "default",
            "POSTGRE_NAME": self.name,
            "POSTGRE_USER": self.user,
            "POSTGRE_HOST": self.host,
            "POSTGRE_PORT": str(self.port),
        }
        if password is not None:
            env["POSTGRE_PASSWORD"] = password
        return env


def parse_url(url: str) -> Database:
    """postgresql://USER@HOST[:PORT]/DB; a password in the URL is refused (it would sit in argv and shell history)."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise DatabaseError(f"Not a PostgreSQL URL: {_safe(url)!r}", "Use postgresql://USER@HOST:PORT/DATABASE (the password comes from PGPASSWORD or a file).")
    if parts.password is not None:
        raise DatabaseError(
            "The database URL contains a password; it would be visible in the process list and your shell history.",
            "Remove it from the URL and set PGPASSWORD (or LABELING_DB_PASSWORD), or pass --database-password-file FILE (mode 0600).",
        )
    name = unquote(parts.path.lstrip("/"))
    if not parts.username or not parts.hostname or not name or "/" in name:
        raise DatabaseError(
            f"Incomplete database URL {_safe(url)!r}: it needs a user, a host and a database name.", "Example: postgresql://labeling@127.0.0.1:5432/labeling"
        )
    try:
        port = parts.port or DEFAULT_PG_PORT
    except ValueError:
        raise DatabaseError(f"Invalid port in the database URL {_safe(url)!r}.", "Example: postgresql://labeling@127.0.0.1:5432/labeling") from None
    return Database(unquote(parts.username), parts.hostname, port, name)


def _safe(url: str) -> str:
    """The URL with any password masked, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


def read_password(password_file: Path | None = None) -> str | None:
    """From `password_file` (must not be readable by group or others), else LABELING_DB_PASSWORD, else PGPASSWORD."""
    if password_file is not None:
        path = Path(password_file)
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            raise DatabaseError(f"{path}: password file not found.", "Create it with the password on one line, then: chmod 600 FILE") from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise DatabaseError(f"{path}: the password file is readable by other users (mode {stat.S_IMODE(mode):o}).", f"Restrict it: chmod 600 {path}")
        return path.read_text(encoding="utf-8").strip("\r\n")
    for key in PASSWORD_ENV:
        if os.environ.get(key):
            return os.environ[key]
    return None


def check(db: Database, password: str | None, *, timeout: int = 5) -> None:
    """Connect once and check the user may create Label Studio's tables; raise DatabaseError with the next step."""
    import psycopg

    try:
        with psycopg.connect(
            host=db.host, port=db.port, user=db.user, dbname=db.name, password=password or "", connect_timeout=timeout, application_name="labeling-check"
        ) as conn:
            row = conn.execute("SELECT has_schema_privilege(current_user, 'public', 'CREATE')").fetchone()
    except psycopg.OperationalError as exc:
        raise _explain(db, str(exc), password) from None
    if not row or not row[0]:
        raise DatabaseError(
            f"{db.describe()}: user {db.user!r} may not create tables in schema public, so Label Studio cannot set up its database.",
            f"As the database owner: GRANT CREATE ON SCHEMA public TO {db.user}; (or make {db.user} the owner of {db.name}).",
        )


def _explain(db: Database, message: str, password: str | None) -> DatabaseError:
    text = message.replace(password, "***") if password else message
    low = text.lower()
    where = db.describe()
    if "password authentication failed" in low or "no password supplied" in low:
        hint = "Set the right password in PGPASSWORD / LABELING_DB_PASSWORD or --database-password-file."
        return DatabaseError(f"{where}: the server refused the password for user {db.user!r}.", hint)
    if "does not exist" in low and "database" in low:
        return DatabaseError(f"{where}: database {db.name!r} does not exist.", f"Create it: createdb -h {db.host} -p {db.port} -O {db.user} {db.name}")
    if "does not exist" in low and "role" in low:
        return DatabaseError(f"{where}: user {db.user!r} does not exist.", "Create the role (CREATE ROLE ... LOGIN PASSWORD ...) or fix the user in the URL.")
    if "permission denied" in low or "not permitted" in low or "pg_hba.conf" in low:
        return DatabaseError(
            f"{where}: user {db.user!r} may not connect to {db.name!r} ({_first_line(text)}).",
            f"GRANT CONNECT ON DATABASE {db.name} TO {db.user}; and check pg_hba.conf.",
        )
    if "connection refused" in low or "timeout" in low or "could not translate host" in low or "no route" in low:
        return DatabaseError(f"{where}: no PostgreSQL server answers there ({_first_line(text)}).", "Check the host and port, and that PostgreSQL is running.")
    return DatabaseError(f"{where}: cannot connect ({_first_line(text)}).", "Check the URL, the password and the server's log.")


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "no details"
