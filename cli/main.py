"""The `dialler` command."""

from __future__ import annotations

import typer

from cli import agents, db, serve

app = typer.Typer(help="RMC Dialler: queues, scoring, calls and live supervision.",
                  no_args_is_help=True, add_completion=False)
app.command("serve")(serve.serve)
app.add_typer(db.app, name="db")
app.add_typer(agents.app, name="agents")

if __name__ == "__main__":
    app()
