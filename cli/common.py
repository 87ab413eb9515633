"""What every CLI command shares: settings errors made readable, async entry, progress."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import contextmanager
from typing import TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from infrastructure.logging import configure_logging
from infrastructure.settings import Settings

T = TypeVar("T")
console = Console(stderr=True)


def load_settings() -> Settings:
    try:
        settings = Settings()
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"]) or "settings"
            console.print(f"[red]configuration error[/red] {where.upper()}: {error['msg']}")
        raise typer.Exit(2) from None
    configure_logging(settings.log_level, json=settings.log_json)
    return settings


def run(main: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(main())


@contextmanager
def progress_bar(description: str, total: int):
    """Yields an ``advance(n)`` callback drawing a bar on stderr."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(description, total=total)
        yield lambda n: progress.advance(task, n)
