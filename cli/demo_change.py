"""`dialler demo change`: change the demo replica and emit the CDC message DMS would."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from cli.common import console, load_settings, run

if TYPE_CHECKING:
    from sync_worker.sqs import QueueAddress

demo_app = typer.Typer(help="The embedded demo: make the main application's changes.",
                       no_args_is_help=True)


@demo_app.command("change")
def change(user_id: int = typer.Argument(..., min=1),
           signed: bool = typer.Option(False, "--signed", help="The user signs."),
           unsigned: bool = typer.Option(False, "--unsigned", help="The signature is removed."),
           requirement_done: bool = typer.Option(
               False, "--requirement-done", help="The oldest pending requirement is completed."),
           ) -> None:
    """Change one demo user as the main app would; the worker moves the queues."""
    if [signed, unsigned, requirement_done].count(True) != 1:
        console().print("[red]say exactly one of --signed, --unsigned, --requirement-done[/]")
        raise typer.Exit(2)
    from infrastructure.bootstrap import bootstrap
    from infrastructure.replica.database import ReplicaDatabase
    from infrastructure.replica.demo_changes import (
        DemoChangeError,
        complete_requirement,
        set_signed,
    )
    from sync_worker.sqs import SqsQueue

    settings = load_settings()

    async def main() -> None:
        services = await bootstrap(settings)
        try:
            if not services.runtime.demo_replica:
                console().print("[red]REPLICA_DATABASE_URL is set: the dialler never writes a "
                                "real replica; demo changes need the demo replica[/]")
                raise typer.Exit(2)
            address = _queue(settings)
            db = await ReplicaDatabase.open(services.runtime.replica, read_only=False)
            schema = settings.replica_schema or "rmc"
            try:
                if requirement_done:
                    body = await complete_requirement(db, user_id, schema, services.clock())
                else:
                    body = await set_signed(db, user_id, signed, schema, services.clock())
            except DemoChangeError as exc:
                console().print(f"[red]{exc}[/]")
                raise typer.Exit(1) from None
            finally:
                await db.close()
            async with SqsQueue(address) as queue:
                await queue.send(body)
        finally:
            await services.close()
        console().print(f"user {user_id} changed; CDC message sent to {address.url}")

    run(main)


def _queue(settings) -> QueueAddress:
    from infrastructure.embedded_sqs import EmbeddedSqs
    from sync_worker.sqs import QueueAddress

    if settings.sqs_queue_url:
        return QueueAddress(settings.sqs_queue_url, settings.aws_endpoint_url,
                            settings.aws_region)
    running = EmbeddedSqs.running(settings.dialler_data_dir)
    if running is None:
        console().print("[red]no worker is listening: start `dialler serve` first (it runs the "
                        "worker and an in-process SQS on the embedded default)[/]")
        raise typer.Exit(2)
    return QueueAddress(running["queue_url"], running["endpoint_url"], "eu-west-2")
