"""`dialler serve`: the API (and, on the embedded default, everything it needs).

Imports are light here (the heavy ones inside the functions) so `dialler --help` stays cheap.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import tempfile

import typer

from cli.common import console, load_settings, progress_bar, run
from infrastructure.logging import get_logger

log = get_logger(__name__)
WORKER_APP = "graphql_api.app:worker_app"
GRACEFUL_SHUTDOWN_SECONDS = 10


def serve(host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
          port: int = typer.Option(8000, help="Port to listen on."),
          workers: int | None = typer.Option(
              None, min=1, help="API processes behind the one port (default: one per core; "
                                "always 1 on the embedded default).")) -> None:
    """Run the API. With nothing configured, on the embedded default."""
    settings = load_settings()
    count = worker_count(settings, workers)
    if count == 1:
        run(lambda: _serve_here(settings, host, port))
        return
    from cli.processes import listening_sockets

    sockets = listening_sockets(host, port, count)  # a taken port stops us before any set-up
    run(lambda: _prepare(settings, host, port, count))
    _serve_processes(sockets)


def worker_count(settings, asked: int | None) -> int:
    """One per core unless asked; one when Redis or PostgreSQL is in this process."""
    if settings.embedded_postgres or not settings.redis_url:
        if asked and asked > 1:
            log.warning(f"running 1 API process, not {asked}: the embedded default's Redis "
                        "(fakeredis) and SQS (moto) live inside this process; set "
                        "DATABASE_URL and REDIS_URL for more")
        return 1
    return asked or os.cpu_count() or 1


async def _set_up(services, host: str, port: int, workers: int = 1) -> None:
    """The one-time set-up before anything serves: schema, demo data, demo login."""
    from cli.demo import (
        DEMO_USERS,
        demo_replica_needs_data,
        ensure_demo_supervisor,
        ensure_schema,
        fill_demo_replica,
    )

    await ensure_schema(services)
    seeded = 0
    if await demo_replica_needs_data(services):
        with progress_bar("demo replica", DEMO_USERS) as advance:
            seeded = await fill_demo_replica(services, advance)
    login = await ensure_demo_supervisor(services)
    _announce(host, port, seeded, login, workers, services.settings.graphiql_enabled)


async def _prepare(settings, host: str, port: int, workers: int) -> None:
    """Several processes: the set-up here, once; then each process wires its own."""
    from infrastructure.bootstrap import bootstrap

    services = await bootstrap(settings)
    try:
        await _set_up(services, host, port, workers)
    finally:
        await services.close()


async def _serve_here(settings, host: str, port: int) -> None:
    """One process: the API, its timers and (on the embedded default) the worker."""
    import uvicorn

    from graphql_api.app import create_app
    from graphql_api.timers import serve_timers
    from infrastructure.bootstrap import bootstrap
    from infrastructure.runtime import settle_heap

    services = await bootstrap(settings, serving=True)
    embedded_sqs = None
    try:
        await _set_up(services, host, port)
        # proxy_headers off here and below: the app applies FORWARDED_ALLOW_IPS itself, once.
        config = uvicorn.Config(create_app(services), host=host, port=port,
                                log_config=None, access_log=False, lifespan="on",
                                ws_per_message_deflate=False, proxy_headers=False)
        settle_heap()
        async with serve_timers(services) as (stop, tasks):
            embedded_sqs = _embedded_worker(services, stop, tasks)
            await serve_until_signalled(uvicorn.Server(config))
    finally:
        if embedded_sqs:
            embedded_sqs.stop()
        await services.close()


def _serve_processes(sockets: list) -> None:
    """N processes on one port, a socket each: the supervisor starts them, replaces one that
    dies, and on SIGINT/SIGTERM stops them all (each closes its services in its lifespan)."""
    import uvicorn
    from uvicorn.config import STARTUP_FAILURE

    from cli.processes import SocketPerProcess

    config = uvicorn.Config(WORKER_APP, factory=True, workers=len(sockets),
                            log_config=None, access_log=False, lifespan="on",
                            ws_per_message_deflate=False, proxy_headers=False,
                            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS)
    supervisor = SocketPerProcess(config, sockets)
    with shared_metrics():
        supervisor.run()
    # A process that could not start stops them all; say so in the exit status too.
    if any(process.exitcode == STARTUP_FAILURE for process in supervisor.processes):
        raise typer.Exit(STARTUP_FAILURE)


@contextlib.contextmanager
def shared_metrics():
    """A directory the processes (spawned: they import prometheus_client afresh, after this)
    keep their counters in, so any one's /metrics counts them all; removed afterwards. One
    the operator chose (PROMETHEUS_MULTIPROC_DIR already set) is used as it is."""
    from infrastructure.metrics import MULTIPROCESS_DIR

    if os.environ.get(MULTIPROCESS_DIR):
        yield
        return
    path = tempfile.mkdtemp(prefix="dialler-metrics-")
    os.environ[MULTIPROCESS_DIR] = path
    try:
        yield
    finally:
        del os.environ[MULTIPROCESS_DIR]
        shutil.rmtree(path, ignore_errors=True)


async def serve_until_signalled(server) -> None:
    """Serve until SIGINT/SIGTERM, then return so everything is closed in order.

    uvicorn re-raises a captured signal after shutting down, which would kill the
    process before the embedded PostgreSQL is stopped; we handle the signals here.
    """
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lambda: setattr(server, "should_exit", True))
    server.capture_signals = contextlib.nullcontext
    try:
        await server.serve()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def _embedded_worker(services, stop: asyncio.Event, background: list):
    """On the embedded default (no SQS configured), the worker runs here on moto's SQS."""
    settings = services.settings
    if settings.sqs_queue_url or not services.runtime.embedded_postgres:
        return None
    from infrastructure.embedded_sqs import EmbeddedSqs
    from sync_worker.sqs import QueueAddress
    from sync_worker.supervisor import keep_running
    from sync_worker.worker import run_worker

    sqs = EmbeddedSqs(settings.dialler_data_dir)
    sqs.start()
    address = QueueAddress(sqs.queue_url, sqs.endpoint_url, settings.aws_region)
    # Nobody else would notice this worker die (no process of its own to be restarted):
    # it is started again here, with a log line and dialler_task_restarts_total.
    background.append(asyncio.create_task(keep_running("sync worker", lambda: run_worker(
        services, stop, address=address, cdc=settings.enable_cdc_sync,
        scheduled=settings.enable_batch_sync, sms_jobs=False), stop)))
    console().print(f"sync worker running on an in-process SQS ({sqs.queue_url}); try "
                    "[bold]dialler demo change USER_ID --signed[/]")
    return sqs


def _announce(host: str, port: int, seeded: int, login: tuple[str, str] | None,
              workers: int = 1, graphiql: bool = True) -> None:
    shown = "localhost" if host in ("0.0.0.0", "127.0.0.1", "::") else host
    what = "GraphiQL" if graphiql else "GraphQL"
    console().print(f"[bold green]RMC Dialler[/] {what}: http://{shown}:{port}/graphql")
    if workers > 1:
        console().print(f"{workers} API processes on port {port}")
    if seeded:
        console().print(f"demo replica filled with {seeded} synthetic users")
    if login:
        console().print(f"demo supervisor: email [bold]{login[0]}[/] password [bold]{login[1]}[/]")
