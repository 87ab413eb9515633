"""`dialler serve`: the API (and, on the embedded default, everything it needs)."""

from __future__ import annotations

import asyncio
import contextlib
import signal

import typer
import uvicorn

from cli.common import console, load_settings, progress_bar, run
from cli.demo import (
    DEMO_USERS,
    demo_replica_needs_data,
    ensure_demo_supervisor,
    ensure_schema,
    fill_demo_replica,
)
from graphql_api.app import create_app
from infrastructure.bootstrap import bootstrap
from infrastructure.embedded_sqs import EmbeddedSqs
from sync_worker.sqs import QueueAddress
from sync_worker.worker import run_worker


def serve(host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
          port: int = typer.Option(8000, help="Port to listen on.")) -> None:
    """Run the API. With nothing configured, on the embedded default."""
    settings = load_settings()

    async def main() -> None:
        services = await bootstrap(settings)
        try:
            await ensure_schema(services)
            seeded = 0
            if await demo_replica_needs_data(services):
                with progress_bar("demo replica", DEMO_USERS) as advance:
                    seeded = await fill_demo_replica(services, advance)
            login = await ensure_demo_supervisor(services)
            _announce(host, port, seeded, login)
            config = uvicorn.Config(create_app(services), host=host, port=port,
                                    log_config=None, access_log=False, lifespan="on")
            stop = asyncio.Event()
            background = []
            if settings.enable_batch_sync:
                background.append(asyncio.create_task(services.timers.run(stop)))
            # Idle sessions and wrap-ups end on time whatever the sync switches say.
            background.append(asyncio.create_task(services.presence.run(stop)))
            # Due follow-up SMS and retries of failed hand-offs (one process, by advisory lock).
            background.append(asyncio.create_task(services.sms.jobs.run(stop)))
            embedded_sqs = _embedded_worker(services, stop, background)
            try:
                await serve_until_signalled(uvicorn.Server(config))
            finally:
                stop.set()
                await asyncio.gather(*background, return_exceptions=True)
                if embedded_sqs:
                    embedded_sqs.stop()
        finally:
            await services.close()

    run(main)


async def serve_until_signalled(server: uvicorn.Server) -> None:
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


def _embedded_worker(services, stop: asyncio.Event, background: list) -> EmbeddedSqs | None:
    """On the embedded default (no SQS configured), the worker runs here on moto's SQS."""
    settings = services.settings
    if settings.sqs_queue_url or not services.runtime.embedded_postgres:
        return None
    sqs = EmbeddedSqs(settings.dialler_data_dir)
    sqs.start()
    address = QueueAddress(sqs.queue_url, sqs.endpoint_url, settings.aws_region)
    background.append(asyncio.create_task(run_worker(
        services, stop, address=address, cdc=settings.enable_cdc_sync,
        scheduled=settings.enable_batch_sync, sms_jobs=False)))
    console.print(f"sync worker running on an in-process SQS ({sqs.queue_url}); try "
                  "[bold]dialler demo change USER_ID --signed[/]")
    return sqs


def _announce(host: str, port: int, seeded: int, login: tuple[str, str] | None) -> None:
    shown = "localhost" if host in ("0.0.0.0", "127.0.0.1", "::") else host
    console.print(f"[bold green]RMC Dialler[/] GraphiQL: http://{shown}:{port}/graphql")
    if seeded:
        console.print(f"demo replica filled with {seeded} synthetic users")
    if login:
        console.print(f"demo supervisor: email [bold]{login[0]}[/] password [bold]{login[1]}[/]")
