"""The `dialler` command.

A command's module is imported only when that command runs (or `--help` lists it), and
each command imports the machinery it needs when it runs, so `dialler --help` and the
account commands start at once.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, MutableMapping
from importlib import import_module

import typer
from typer.core import TyperCommand, TyperGroup

_Command = TyperCommand | TyperGroup

# The other commands, in the order `--help` lists them: each a group even when it holds one
# command (as add_typer makes them), so `dialler scoring explain 5` stays the same.
_LAZY: dict[str, Callable[[], _Command]] = {
    "worker": lambda: typer.main.get_command(_single_command(import_module("cli.sync").worker)),
    "db": lambda: typer.main.get_group(import_module("cli.db").app),
    "agents": lambda: typer.main.get_group(import_module("cli.agents").app),
    "queue": lambda: typer.main.get_group(import_module("cli.queue").queue_app),
    "scoring": lambda: typer.main.get_group(import_module("cli.queue").scoring_app),
    "history": lambda: typer.main.get_group(import_module("cli.history").app),
    "sync": lambda: typer.main.get_group(import_module("cli.sync").sync_app),
    "demo": lambda: typer.main.get_group(import_module("cli.demo_change").demo_app),
}


class _Commands(MutableMapping[str, _Command]):
    """The root's subcommands: every name known at once, each made when first looked up."""

    def __init__(self, made: MutableMapping[str, _Command]):
        self._made = dict(made)
        self._order = [*self._made, *(name for name in _LAZY if name not in self._made)]

    def __getitem__(self, name: str) -> _Command:
        if name not in self._made:
            if name not in self._order:
                raise KeyError(name)
            command = _LAZY[name]()
            command.name = name
            self._made[name] = command
        return self._made[name]

    def __setitem__(self, name: str, command: _Command) -> None:
        if name not in self._order:
            self._order.append(name)
        self._made[name] = command

    def __delitem__(self, name: str) -> None:
        self._order.remove(name)
        self._made.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._order))

    def __len__(self) -> int:
        return len(self._order)


class _LazyGroup(TyperGroup):
    """The root command, whose subcommands' modules load when those commands are used."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.commands = _Commands(self.commands)


def _root() -> None:
    """Does nothing: with only `serve` registered, a callback keeps the root a group."""


app = typer.Typer(help="RMC Dialler: queues, scoring, calls and live supervision.",
                  no_args_is_help=True, add_completion=False, cls=_LazyGroup, callback=_root)

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


def main() -> None:
    """The console script: the app, then an exit that skips the collector's last passes."""
    try:
        app()
    finally:
        # On exit the interpreter runs full collections over every object still alive, and
        # traversing pydantic's validators makes each cost tens of milliseconds: more than
        # a short command's own work. Frozen, they are skipped; atexit handlers, flushing and
        # freeing as modules are cleared still happen (only cycles are left to the OS).
        gc.freeze()


if __name__ == "__main__":
    main()
