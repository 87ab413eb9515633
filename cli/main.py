"""The `dialler` command."""

from __future__ import annotations

import typer

from cli import agents, db, demo_change, queue, serve, sync

app = typer.Typer(help="RMC Dialler: queues, scoring, calls and live supervision.",
                  no_args_is_help=True, add_completion=False)
app.command("serve")(serve.serve)
app.add_typer(db.app, name="db")
app.add_typer(agents.app, name="agents")
app.add_typer(queue.queue_app, name="queue")
app.add_typer(queue.scoring_app, name="scoring")
app.command("worker")(sync.worker)
app.add_typer(sync.sync_app, name="sync")
app.add_typer(demo_change.demo_app, name="demo")

if __name__ == "__main__":
    app()
