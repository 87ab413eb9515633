"""`dialler worker` and `dialler sync …`: the CDC consumer and its batch jobs from the shell."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from cli.common import console, load_settings, progress_bar, run
from cli.demo import ensure_schema

if TYPE_CHECKING:
    from infrastructure.bootstrap import Services

sync_app = typer.Typer(help="The CDC sync's batch jobs.", no_args_is_help=True)


def worker() -> None:
    """Run the sync worker alone: CDC consumer and scheduled jobs, until SIGTERM."""
    import asyncio
    import signal

    from infrastructure.bootstrap import bootstrap
    from sync_worker.worker import run_worker

    settings = load_settings()

    async def main() -> None:
        services = await bootstrap(settings)
        try:
            await ensure_schema(services)
            if settings.worker_metrics_port:
                from infrastructure.metrics import serve_metrics
                token = settings.metrics_token
                serve_metrics(settings.worker_metrics_port,
                              token.get_secret_value() if token else None)
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            from infrastructure.runtime import settle_heap

            settle_heap()  # a rebuild's many objects: the long-lived heap is not scanned again
            console().print("sync worker running; SIGTERM finishes the batch in hand and stops")
            await run_worker(services, stop)
        finally:
            await services.close()

    run(main)


def _job_command(name: str, doc: str):
    def command() -> None:
        from infrastructure.bootstrap import bootstrap
        from sync_worker.jobs import run_job

        settings = load_settings()

        async def main() -> None:
            services = await bootstrap(settings)
            try:
                await ensure_schema(services)
                total = await _work_size(services, name)
                with progress_bar(name, total) as step:
                    result = await run_job(services, name, force=True, progress=step)
            finally:
                await services.close()
            if result is None:
                console().print(f"[yellow]{name} is running in another process; not started[/]")
                raise typer.Exit(1)
            console().print(f"{name} done" + (f", drift {result.drift}"
                                              if result.drift is not None else ""))
            for key, value in result.figures.items():
                console().print(f"  {key}: {value}")

        run(main)

    command.__doc__ = doc
    return command


async def _work_size(services: Services, name: str) -> int:
    if name == "reconcile":
        low, high = await services.queues.replica.id_bounds() or (1, 0)
        return max(high - low + 1, 0)
    if name == "integrity":
        return services.settings.integrity_sample_size
    if name == "warm-cache":
        return services.settings.cache_warm_users * 3
    return 0


sync_app.command("reconcile")(_job_command(
    "reconcile", "Full rebuild diffed against the live queue; events for every difference."))
sync_app.command("integrity")(_job_command(
    "integrity", "Counts and a random sample of the replica against the dialler's queues."))
sync_app.command("warm-cache")(_job_command(
    "warm-cache", "Cache the contexts of the users at the head of each queue."))
sync_app.command("cleanup")(_job_command(
    "cleanup", "Delete old events, bookkeeping, expired links and recordings."))
sync_app.command("movement-rollup")(_job_command(
    "movement-rollup", "Roll up queueMovements' closed hours and days (and late events)."))


@sync_app.command("replay-dead-letters")
def replay(include_poison: bool = typer.Option(
        False, "--include-poison", help="Also replay bodies that still cannot be parsed."),
        limit: int = typer.Option(10_000, min=1)) -> None:
    """Send dead-lettered messages back to the CDC queue (after fixing their cause)."""
    from infrastructure.bootstrap import bootstrap
    from sync_worker.replay import replay_dead_letters
    from sync_worker.sqs import SqsQueue
    from sync_worker.worker import queue_address

    settings = load_settings()

    async def main() -> None:
        services = await bootstrap(settings)
        try:
            address = queue_address(services)
            if address is None:
                console().print("[red]SQS_QUEUE_URL is not set[/]")
                raise typer.Exit(2)
            async with SqsQueue(address, settings.outbound_http_timeout_seconds) as queue:
                with progress_bar("replaying", 0) as step:
                    report = await replay_dead_letters(services, queue,
                                                       include_poison=include_poison,
                                                       limit=limit, progress=step)
        finally:
            await services.close()
        console().print(f"{report.replayed} replayed, {report.kept} unparseable kept in the "
                        "dead-letter queue")

    run(main)
