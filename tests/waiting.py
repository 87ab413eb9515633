"""Waiting in tests for something to happen, instead of sleeping a guessed time."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def wait_until(condition: Callable[[], T | Awaitable[T]], what: str | None = None, *,
                     timeout: float = 30.0, interval: float = 0.02  # noqa: ASYNC109
                     ) -> T:
    """Polls ``condition`` (sync or async) until it returns something truthy, and returns
    it; fails naming ``what`` (else the condition) when it never happened in time."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if loop.time() >= deadline:
            name = what or getattr(condition, "__qualname__", repr(condition))
            raise AssertionError(f"never happened within {timeout:g} s: {name}")
        await asyncio.sleep(interval)
