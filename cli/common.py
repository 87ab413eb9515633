"""What every CLI command shares: messages, settings errors made readable, async entry,
progress.

Every command module imports this one, including for `dialler --help`: what is heavy
(pydantic, the settings, logging, rich) is imported only when used. A plain message goes
out through ``say``; only markup (colours, tables, progress) loads rich.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, TypeVar

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from infrastructure.settings import Settings

T = TypeVar("T")


@cache
def console() -> Console:
    """The rich console on stderr, for messages with markup."""
    from rich.console import Console

    return Console(stderr=True, soft_wrap=True)  # a message stays one line, whatever the width


def say(message: str) -> None:
    """One plain line on stderr, printed as it is (never read as markup)."""
    typer.echo(message, err=True)


def escape(text: str) -> str:
    """Text shown inside a markup message, never read as markup itself."""
    from rich.markup import escape as escape_markup

    return escape_markup(text)


def load_settings(*, logs: bool = True, plugins: bool = True) -> Settings:
    """The settings, or exit 2 naming each bad one; ``logs``: configure logging too;
    ``plugins``: let installed pydantic plugins watch them (``False`` skips the discovery)."""
    from pydantic import ValidationError

    try:
        with _pydantic_plugins(plugins):
            from infrastructure.settings import Settings

            settings = Settings()
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"]) or "settings"
            console().print(f"[red]configuration error[/red] {where.upper()}: {error['msg']}")
        raise typer.Exit(2) from None
    if logs:
        configure_logs(settings)
    return settings


@contextmanager
def _pydantic_plugins(enabled: bool) -> Iterator[None]:
    """Pydantic looks for plugins in every installed package's metadata when it first builds
    a model; a short command with nothing to observe is spared that scan."""
    if enabled:
        yield
        return
    before = os.environ.get("PYDANTIC_DISABLE_PLUGINS")
    os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("PYDANTIC_DISABLE_PLUGINS", None)
        else:
            os.environ["PYDANTIC_DISABLE_PLUGINS"] = before


def configure_logs(settings: Settings) -> None:
    from infrastructure.logging import configure_logging

    configure_logging(settings.log_level, json=settings.log_json)


def run(main: Callable[[], Awaitable[T]]) -> T:
    import asyncio

    return asyncio.run(main())


@contextmanager
def progress_bar(description: str, total: int):
    """Yields an ``advance(n)`` callback drawing a bar on stderr."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=console(), transient=False) as progress:
        task = progress.add_task(description, total=total)
        yield lambda n: progress.advance(task, n)
