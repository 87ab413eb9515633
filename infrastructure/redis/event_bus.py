"""Live events between processes over Redis pub/sub.

Publishing sends each committed domain event to a channel named after its
type. Listening uses ONE pattern subscription per process, fanned out in memory,
so thousands of GraphQL subscribers cost one Redis connection: each event type
keeps one short log of recent payloads that every listener reads with its own
cursor, and a payload is decoded once per process, not once per listener.
If Redis goes away the listener reconnects with back-off; events that could not
be published are kept (up to UNDELIVERED_LIMIT, oldest dropped first) and sent
once Redis answers again: live events are delayed, not lost (the data itself is
in PostgreSQL either way).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import fields, is_dataclass
from datetime import datetime
from enum import Enum
from functools import lru_cache
from typing import Any
from uuid import UUID

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from domain.events import EventPublisher
from infrastructure.logging import get_logger
from infrastructure.redis.fanout import Channel, Decode
from infrastructure.redis.resilient import ResilientRedis

log = get_logger(__name__)
PUBLISH_BATCH = 500
UNDELIVERED_LIMIT = 50_000


def _json_default(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


@lru_cache(maxsize=64)
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


_ENCODER = json.JSONEncoder(default=_json_default, separators=(",", ":"))


def serialise(event: object) -> bytes:
    # A flat dict by field name: events are flat, and dataclasses.asdict's deep copy is
    # most of the cost of publishing a rebuild's tens of thousands of events.
    if is_dataclass(event):
        payload = {name: getattr(event, name) for name in _field_names(type(event))}
    else:
        payload = dict(vars(event))
    return _ENCODER.encode(payload).encode()


class RedisEventBus(EventPublisher):
    def __init__(self, redis: ResilientRedis, prefix: str = "dialler:"):
        self._redis = redis
        self._prefix = f"{prefix}events:"
        self._channels: dict[str, Channel] = {}
        self._task: asyncio.Task | None = None
        self._connected = asyncio.Event()
        self._undelivered: deque[object] = deque(maxlen=UNDELIVERED_LIMIT)
        self._flushing = asyncio.Lock()  # one sender at a time keeps events in order

    def channel_for_name(self, event_name: str) -> str:
        return self._prefix + event_name

    async def publish(self, events: Iterable[object]) -> None:
        """Sends the events; what Redis cannot take now is kept and sent later, in order."""
        self._undelivered.extend(events)
        await self.flush_undelivered()

    async def flush_undelivered(self) -> bool:
        """Sends what is waiting; False when Redis is still unreachable."""
        async with self._flushing:
            return await self._flush()

    async def _flush(self) -> bool:
        # Pipelines of bounded size: a rebuild's tens of thousands of events would otherwise
        # be one round trip longer than the client's socket timeout.
        while self._undelivered:
            batch = [self._undelivered[i] for i in range(min(PUBLISH_BATCH,
                                                             len(self._undelivered)))]

            async def send(r: aioredis.Redis, batch=batch):
                async with r.pipeline(transaction=False) as pipe:
                    for event in batch:
                        pipe.publish(self.channel_for_name(type(event).__name__),
                                     serialise(event))
                    await pipe.execute()
                return True

            if not await self._redis.run("publish", send, False):
                log.warning("live events delayed (Redis down)", waiting=len(self._undelivered))
                return False
            for _ in batch:
                self._undelivered.popleft()
        return True

    @contextlib.asynccontextmanager
    async def listen(self, event_name: str, decode: Decode | None = None
                     ) -> AsyncIterator[AsyncIterator[Any]]:
        """``async with bus.listen("X") as events: async for payload in events: …``

        Payloads are the published bytes, or with ``decode`` what it made of them: called
        once per event per process, its result is shared by every listener with the same
        (module-level) function, so treat it as read-only."""
        name = self.channel_for_name(event_name)
        channel = self._channels.setdefault(name, Channel())
        channel.listeners += 1
        self._ensure_running()
        try:
            yield channel.reader(decode)
        finally:
            channel.listeners -= 1
            if channel.listeners == 0 and self._channels.get(name) is channel:
                del self._channels[name]

    async def wait_connected(self, within: float = 5.0) -> bool:
        """For tests and start-up: True once the process's subscription is live."""
        self._ensure_running()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._connected.wait(), within)
        return self._connected.is_set()

    def _ensure_running(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        delay = 0.2
        while True:
            try:
                await self._pump()
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                self._connected.clear()
                log.warning("event subscription lost, reconnecting", error=type(exc).__name__,
                            retry_in=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _pump(self) -> None:
        pubsub = self._redis.client.pubsub()
        try:
            await pubsub.psubscribe(self._prefix + "*")
            self._connected.set()
            while True:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                if message is not None:
                    self._dispatch(message)
        finally:
            self._connected.clear()
            with contextlib.suppress(Exception):
                await pubsub.aclose()

    def _dispatch(self, message: dict) -> None:
        name = message["channel"]
        channel = self._channels.get(name.decode() if isinstance(name, bytes) else name)
        if channel is not None:
            channel.put(message["data"])

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
