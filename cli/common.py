"""What every CLI command shares: settings errors made readable, async entry, progress.

Every command module imports this one, including for `dialler --help`: what is heavy
(pydantic, the settings, logging, rich's progress) is imported only when used.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

import typer
from rich.console import Console

if TYPE_CHECKING:
    from infrastructure.settings import Settings

T = TypeVar("T")
console = Console(stderr=True, soft_wrap=True)  # a message stays one line, whatever the width


def load_settings(*, logs: bool = True) -> Settings:
    """The settings, or exit 2 naming each bad one; ``logs``: configure logging too."""
    from pydantic import ValidationError

    from infrastructure.settings import Settings

    try:
        settings = Settings()
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"]) or "settings"
            console.print(f"[red]configuration error[/red] {where.upper()}: {error['msg']}")
        raise typer.Exit(2) from None
    if logs:
        configure_logs(settings)
    return settings


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
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(description, total=total)
        yield lambda n: progress.advance(task, n)
