"""The embedded default: a local Label Studio, started and stopped by us.

State lives in one directory (default `.labeling/`, see paths.state_dir):

    data/              Label Studio's SQLite database and media (LABEL_STUDIO_BASE_DATA_DIR)
    credentials.json   admin login and API token, mode 0600, generated on first start
    database.json      the PostgreSQL URL (no password) and password file path, when started with one
    server.json        pid, port and URL of the process we started
    server.log         the server's own output

Secrets go to the child through its environment, never its command line, so
they do not show up in `ps`. `stop` only ever signals the pid we recorded, and
only while that pid is still a Label Studio process.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from ..errors import ServerError
from ..paths import state_dir
from .database import Database, check, parse_url, read_password

DEFAULT_PORT = 8080
ADMIN_EMAIL = "admin@labeling.local"


@dataclass
class Credentials:
    url: str
    email: str
    password: str
    token: str

    def __repr__(self) -> str:  # never print secrets by accident
        return f"Credentials(url={self.url!r}, email={self.email!r}, password=***, token=***)"


@dataclass
class ServerState:
    pid: int
    port: int
    url: str
    started_at: float


@dataclass
class Status:
    running: bool
    url: str | None = None
    pid: int | None = None
    version: str | None = None
    home: Path | None = None
    database: str | None = None  # "PostgreSQL user@host:port/db" or "SQLite <path>"


def credentials_path(home: Path | None = None) -> Path:
    return (home or state_dir()) / "credentials.json"


def load_credentials(home: Path | None = None) -> Credentials | None:
    path = credentials_path(home)
    if not path.exists():
        return None
    return Credentials(**json.loads(path.read_text()))


def _write_private(path: Path, payload: dict) -> None:
    """Write JSON readable only by its owner (0600), atomically."""
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(payload, fh, indent=2)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_taken(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _read_state(home: Path) -> ServerState | None:
    path = home / "server.json"
    try:
        return ServerState(**json.loads(path.read_text()))
    except (FileNotFoundError, json.JSONDecodeError, TypeError):
        return None


def _is_our_process(pid: int) -> bool:
    """True while `pid` is alive and is a label-studio process (guards against pid reuse)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return True  # no /proc (macOS): trust the live pid
    return b"label-studio" in cmdline or b"label_studio" in cmdline


def _version(url: str, token: str | None = None) -> str | None:
    try:
        headers = {"Authorization": f"Token {token}"} if token else {}
        r = httpx.get(f"{url}/api/version", headers=headers, timeout=5)
        return r.json().get("release") if r.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        return None


def _healthy(url: str) -> bool:
    try:
        r = httpx.get(f"{url}/health", timeout=2)
        return r.status_code == 200 and r.json().get("status") == "UP"
    except (httpx.HTTPError, ValueError):
        return False


def _saved_database(home: Path) -> tuple[Database, Path | None] | None:
    try:
        saved = json.loads((home / "database.json").read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return parse_url(saved["url"]), Path(saved["password_file"]) if saved.get("password_file") else None


def database_of(home: Path | None = None) -> str:
    """Which database the embedded server uses (or will use at its next start)."""
    home = Path(home or state_dir())
    saved = _saved_database(home)
    return saved[0].describe() if saved else f"SQLite {(home / 'data' / 'label_studio.sqlite3').resolve()}"


def status(home: Path | None = None) -> Status:
    home = Path(home or state_dir())
    state = _read_state(home)
    if state is None or not _is_our_process(state.pid):
        return Status(running=False, home=home, database=database_of(home))
    creds = load_credentials(home)
    return Status(True, state.url, state.pid, _version(state.url, creds.token if creds else None), home, database_of(home))


def _executable() -> list[str]:
    exe = shutil.which("label-studio", path=str(Path(sys.executable).parent)) or shutil.which("label-studio")
    if exe is None:
        raise ServerError(
            "Label Studio is not installed in this environment.",
            "Install the server extra: pip install 'labeling[server]' (or point LABEL_STUDIO_URL at a team server).",
        )
    return [exe]


def start(
    home: Path | None = None,
    *,
    port: int | None = None,
    timeout: float = 300,
    on_wait: Callable[[float], None] | None = None,
    database_url: str | None = None,
    password_file: Path | None = None,
    block_local_addresses: bool = False,
) -> tuple[Status, bool]:
    """Start Label Studio in the background and wait until /health answers.

    With `database_url` (postgresql://USER@HOST:PORT/DB) Label Studio runs on
    PostgreSQL; the URL (never the password) is remembered, so later starts
    reuse it. The password comes from `password_file` (0600), LABELING_DB_PASSWORD
    or PGPASSWORD, and the database is checked before Label Studio starts.
    `block_local_addresses=True` leaves Label Studio's SSRF protection on, as a
    self-hosted Label Studio runs by default (a backend on 127.0.0.1 is refused).
    Returns (status, started): `started` is False when it was already running.
    """
    home = Path(home or state_dir())
    current = status(home)
    if current.running:
        return current, False
    db_env = _database_environment(home, database_url, password_file)
    creds, port = _claim_port(home, port)
    env = _server_environment(home, creds, db_env, block_local_addresses=block_local_addresses)
    proc = _launch(home, port, env)
    _wait_until_healthy(home, proc, creds.url, timeout=timeout, on_wait=on_wait)
    # The token proves the server on this port is ours (Label Studio silently moves to another port when its own is taken).
    version = _version(creds.url, creds.token)
    if version is None:
        _terminate(proc.pid)
        raise ServerError(f"The server on {creds.url} did not accept our API token.", f"See the log: {home / 'server.log'}")
    return Status(True, creds.url, proc.pid, version, home, database_of(home)), True


def _database_environment(home: Path, database_url: str | None, password_file: Path | None) -> dict[str, str]:
    """The child's database settings (none: SQLite), checked before the state directory is made; a new `database_url` is remembered in it."""
    db: Database | None = None
    saved = _saved_database(home)
    if database_url is not None:
        db = parse_url(database_url)
    elif saved is not None:
        db, password_file = saved[0], password_file or saved[1]
    db_env: dict[str, str] = {}
    if db is not None:
        password = read_password(password_file)
        check(db, password)
        db_env = db.environment(password)
    home.mkdir(parents=True, exist_ok=True)
    (home / ".gitignore").write_text("*\n")
    if database_url is not None and db is not None:
        remembered = str(Path(password_file).resolve()) if password_file else None
        (home / "database.json").write_text(json.dumps({"url": db.url, "password_file": remembered}, indent=2) + "\n")
    return db_env


def _claim_port(home: Path, port: int | None) -> tuple[Credentials, int]:
    """The admin credentials (generated on first start) for the server's port: the one asked for, else the last one, else 8080."""
    creds = load_credentials(home)
    port = port or (int(creds.url.rsplit(":", 1)[1]) if creds else DEFAULT_PORT)
    if _port_taken(port):
        raise ServerError(
            f"Port {port} on 127.0.0.1 is taken by another program.",
            "Pick a free one: labeling server start --port 8099",
        )
    url = f"http://127.0.0.1:{port}"
    if creds is None:
        creds = Credentials(url, ADMIN_EMAIL, secrets.token_urlsafe(18), secrets.token_hex(20))
    creds.url = url
    _write_private(credentials_path(home), asdict(creds))
    return creds, port


def _server_environment(home: Path, creds: Credentials, db_env: dict[str, str], *, block_local_addresses: bool) -> dict[str, str]:
    """The child's environment: secrets travel here, never on its command line."""
    env = dict(os.environ)
    env.update(
        LABEL_STUDIO_BASE_DATA_DIR=str((home / "data").resolve()),
        LABEL_STUDIO_USERNAME=creds.email,
        LABEL_STUDIO_PASSWORD=creds.password,
        LABEL_STUDIO_USER_TOKEN=creds.token,
        LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK="true",
        LABEL_STUDIO_LATEST_VERSION_CHECK="false",
        LABEL_STUDIO_COLLECT_ANALYTICS="false",
        # A local ML backend (`labeling serve` on 127.0.0.1) and its webhook are refused by default as SSRF;
        # this server is itself bound to 127.0.0.1 for one user, so allow local addresses.
        ML_BLOCK_LOCAL_IP=str(block_local_addresses).lower(),
        SSRF_PROTECTION_ENABLED=str(block_local_addresses).lower(),
    )
    for key in ("LABEL_STUDIO_URL", "LABEL_STUDIO_API_KEY", "DJANGO_DB", "POSTGRE_PASSWORD"):
        env.pop(key, None)  # client settings, not the server's; the database only when asked for
    env.update(db_env)
    return env


def _launch(home: Path, port: int, env: dict[str, str]) -> subprocess.Popen:
    """Start label-studio in its own session, its output to server.log; its pid recorded in server.json."""
    cmd = [
        *_executable(),
        "start", "--no-browser", "--internal-host", "127.0.0.1", "-p", str(port),
        "--enable-legacy-api-token", "--log-level", "WARNING",
    ]  # fmt: skip
    with open(home / "server.log", "ab") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    state = ServerState(proc.pid, port, f"http://127.0.0.1:{port}", time.time())
    (home / "server.json").write_text(json.dumps(asdict(state), indent=2))
    return proc


def _wait_until_healthy(home: Path, proc: subprocess.Popen, url: str, *, timeout: float, on_wait: Callable[[float], None] | None) -> None:
    t0 = time.monotonic()
    while not _healthy(url):
        if proc.poll() is not None:
            raise ServerError(f"Label Studio exited with code {proc.returncode} while starting.", f"See the log: {home / 'server.log'}")
        if time.monotonic() - t0 > timeout:
            _terminate(proc.pid)
            raise ServerError(f"Label Studio did not answer on {url} within {timeout:.0f}s.", f"See the log: {home / 'server.log'}")
        if on_wait:
            on_wait(time.monotonic() - t0)
        time.sleep(1)


def _terminate(pid: int, grace: float = 20) -> None:
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        with contextlib.suppress(ChildProcessError):  # reap it if it is our child
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def stop(home: Path | None = None) -> bool:
    """Stop the server we started. Returns False when none was running."""
    home = Path(home or state_dir())
    state = _read_state(home)
    if state is None or not _is_our_process(state.pid):
        (home / "server.json").unlink(missing_ok=True)
        return False
    _terminate(state.pid)
    (home / "server.json").unlink(missing_ok=True)
    return True
