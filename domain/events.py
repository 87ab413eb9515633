"""The ports through which committed domain events leave the process and arrive in others."""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AbstractAsyncContextManager
from typing import TypeVar

E = TypeVar("E")
T = TypeVar("T")


class EventPublisher(abc.ABC):
    @abc.abstractmethod
    async def publish(self, events: Iterable[object]) -> None:
        """Send events to live subscribers; a failure here loses no stored data."""


class EventListener(abc.ABC):
    @abc.abstractmethod
    def listen(self, event_type: type[E], view: Callable[[E], T] | None = None
               ) -> AbstractAsyncContextManager[AsyncIterator[T]]:
        """``async with listen(QueueChanged) as events: async for event in events: …``

        Every event of this type published from now on, by any process: the event itself,
        or what ``view`` made of it. Each is decoded and viewed once per process and shared
        by every listener with the same (module-level) view, so treat it as read-only."""
