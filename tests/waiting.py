"""Waiting in tests for something to happen, instead of sleeping a guessed time."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

T = TypeVar("T")


def _rounds(condition: Callable, what: str | None, timeout: float) -> Iterator[float]:
    """One turn per try of ``condition`` (the seconds left), and an AssertionError naming
    ``what`` (else the condition) once ``timeout`` seconds have gone: the deadline both
    waits share."""
    deadline = time.monotonic() + timeout
    while True:
        yield max(0.0, deadline - time.monotonic())
        if time.monotonic() >= deadline:
            name = what or getattr(condition, "__qualname__", repr(condition))
            raise AssertionError(f"never happened within {timeout:g} s: {name}")


async def wait_until(condition: Callable[[], T | Awaitable[T]], what: str | None = None, *,
                     timeout: float = 30.0, interval: float = 0.02  # noqa: ASYNC109
                     ) -> T:
    """Polls ``condition`` (sync or async) until it returns something truthy, and returns
    it; fails naming ``what`` (else the condition) when it never happened in time."""
    for left in _rounds(condition, what, timeout):
        value = condition()
        if inspect.isawaitable(value):
            try:  # a condition that hangs fails the wait at its deadline too
                async with asyncio.timeout(left):
                    value = await value
            except TimeoutError:
                value = None
        if value:
            return value
        await asyncio.sleep(interval)
    raise AssertionError("unreachable: the rounds end only by raising")


def wait_until_sync(condition: Callable[[], T], what: str | None = None, *,
                    timeout: float = 30.0, interval: float = 0.02) -> T:
    """wait_until for code that cannot await (a fixture's thread, a plain function)."""
    for _ in _rounds(condition, what, timeout):
        if value := condition():
            return value
        time.sleep(interval)
    raise AssertionError("unreachable: the rounds end only by raising")

