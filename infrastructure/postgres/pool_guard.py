"""Catches a task that asks a pool for a connection while it already holds one.

Such a task can deadlock the process: when every connection is held by a task that
waits for another, none is ever released. Connections are counted per task (the one
that took each connection, whoever gives it back: SQLAlchemy closes in a task of its
own). Strict mode (the tests) raises; otherwise the first offence per place is logged.
"""

from __future__ import annotations

import asyncio
import traceback

from domain.errors import ServiceBusy
from infrastructure.logging import get_logger

__all__ = ["NestedAcquire", "ServiceBusy", "note_acquired", "note_released", "set_strict"]

log = get_logger(__name__)
_held: dict[asyncio.Task, int] = {}
_owners: dict[int, asyncio.Task] = {}
_strict = False
_reported: set[str] = set()


class NestedAcquire(RuntimeError):
    """A connection was asked for while this task already held one."""


def set_strict(strict: bool) -> None:
    global _strict
    _strict = strict


def note_acquiring(pool: str) -> None:
    """Called before a pool hands out a connection: refuses (or reports) nested use."""
    task = _current()
    if task is not None and _held.get(task):
        _offence(pool, _held[task])


def note_acquired(connection: object) -> None:
    task = _current()
    if task is not None:
        _held[task] = _held.get(task, 0) + 1
        _owners[id(connection)] = task


def note_released(connection: object) -> None:
    task = _owners.pop(id(connection), None)
    if task is None:
        return
    left = _held.get(task, 1) - 1
    if left > 0:
        _held[task] = left
    else:
        _held.pop(task, None)


def _current() -> asyncio.Task | None:
    try:
        return asyncio.current_task()
    except RuntimeError:  # no running loop: a synchronous caller holds nothing of ours
        return None


def _offence(pool: str, held: int) -> None:
    message = f"asked {pool} for a connection while holding {held}"
    if _strict:
        raise NestedAcquire(message)
    where = "".join(traceback.format_stack(limit=8)[:-2])
    if where not in _reported:
        _reported.add(where)
        log.error("nested connection use", detail=message, stack=where)
