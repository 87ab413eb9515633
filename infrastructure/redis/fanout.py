"""One process's in-memory fan-out of one event type to many listeners.

A channel keeps one short log of recent payloads; each listener reads it with its own
cursor. Delivering an event is one append plus a wake-up per waiting listener, whatever
the number of listeners, and each payload is decoded at most once per decoder.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Any

QUEUE_SIZE = 1000  # a listener further behind than this loses its oldest events

Decode = Callable[[bytes], Any]
View = Callable[[Any], Any]


class _Payload:
    """One message as received, and what each decoder and view made of it."""

    __slots__ = ("raw", "_decoded", "_viewed")

    def __init__(self, raw: bytes):
        self.raw = raw
        self._decoded: dict[Decode, Any] | None = None
        self._viewed: dict[tuple[Decode | None, View], Any] | None = None

    def decoded(self, decode: Decode | None, view: View | None = None) -> Any:
        value = self._decode(decode)
        if view is None or value is None:
            return value
        if self._viewed is None:
            self._viewed = {}
        key = (decode, view)
        try:
            return self._viewed[key]
        except KeyError:
            seen = self._viewed[key] = view(value)
            return seen

    def _decode(self, decode: Decode | None) -> Any:
        if decode is None:
            return self.raw
        if self._decoded is None:
            self._decoded = {}
        try:
            return self._decoded[decode]
        except KeyError:
            # A payload that does not decode raises in every listener, as it always did.
            value = self._decoded[decode] = decode(self.raw)
            return value


class Channel:
    """Recent payloads of one event type and the listeners waiting for the next one."""

    def __init__(self, size: int = QUEUE_SIZE):
        self._log: deque[_Payload] = deque(maxlen=size)
        self._next = 0  # sequence number the next payload will get
        self._waiters: list[asyncio.Future] = []
        self.listeners = 0

    def put(self, raw: bytes) -> None:
        self._log.append(_Payload(raw))
        self._next += 1
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():  # a cancelled listener's
                waiter.set_result(None)

    def reader(self, decode: Decode | None = None, view: View | None = None
               ) -> AsyncIterator[Any]:
        """Everything put from now on (the cursor is fixed here, not at the first read),
        as ``view`` made it of what ``decode`` made of it; a payload decoded to None is not
        an event and is skipped."""
        return self._read(self._next, decode, view)

    async def _read(self, cursor: int, decode: Decode | None, view: View | None
                    ) -> AsyncIterator[Any]:
        loop = asyncio.get_running_loop()
        while True:
            while cursor == self._next:
                await self._wait(loop)
            oldest = self._next - len(self._log)
            cursor = max(cursor, oldest)  # a stalled listener loses its oldest, nobody else
            payload = self._log[cursor - oldest]
            cursor += 1
            value = payload.decoded(decode, view)
            if value is not None:
                yield value

    def _wait(self, loop: asyncio.AbstractEventLoop) -> asyncio.Future:
        # One future per listener: a shared one would be cancelled with the first listener
        # that is. Those of listeners that left go with the next put, or here.
        if len(self._waiters) > 2 * self.listeners + 16:
            self._waiters = [w for w in self._waiters if not w.done()]
        waiter = loop.create_future()
        self._waiters.append(waiter)
        return waiter
