"""The `dialler` command.

Registering a command imports only its thin module; each command imports the machinery
it needs when it runs, so `dialler --help` and the account commands start at once.
"""

from __future__ import annotations

import typer

from cli import agents, db, demo_change, queue, sync

app = typer.Typer(help="RMC Dialler: queues, scoring, calls and live supervision.",
                  no_args_is_help=True, add_completion=False)

# cli.serve loads the API and the worker at import; its options (and --help) are its own.
_FORWARD_ALL = {"allow_extra_args": True, "ignore_unknown_options": True}


@app.command("serve", context_settings=_FORWARD_ALL, add_help_option=False)
def serve(ctx: typer.Context) -> None:
    """Run the API. With nothing configured, on the embedded default."""
    from cli import serve as serve_module

    command = typer.main.get_command(_single_command(serve_module.serve))
    code = command.main(args=ctx.args, prog_name=ctx.command_path, standalone_mode=False)
    if code:
        raise typer.Exit(code)


def _single_command(function) -> typer.Typer:
    inner = typer.Typer(add_completion=False)
    inner.command()(function)
    return inner


app.add_typer(db.app, name="db")
app.add_typer(agents.app, name="agents")
app.add_typer(queue.queue_app, name="queue")
app.add_typer(queue.scoring_app, name="scoring")
app.command("worker")(sync.worker)
app.add_typer(sync.sync_app, name="sync")
app.add_typer(demo_change.demo_app, name="demo")

if __name__ == "__main__":
    app()
