"""Live events between processes over Redis pub/sub.

Publishing sends each committed domain event to its channel in the catalogue
(infrastructure.redis.catalogue), which also says how it is written; an event type the
catalogue does not declare is refused (UnknownEvent) before anything is sent. Listening
uses ONE pattern subscription per process, fanned out in memory, so thousands of GraphQL
subscribers cost one Redis connection: each event type keeps one short log of recent
payloads that every listener reads with its own cursor, and a payload is decoded into its
domain event once per process, not once per listener (a payload that is not one is logged
and skipped). If Redis goes away the listener reconnects with back-off; events that could
not be published are kept (up to UNDELIVERED_LIMIT, oldest dropped first) and sent once
Redis answers again: live events are delayed, not lost (the data itself is in PostgreSQL
either way).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from functools import cache
from typing import TypeVar

import redis.asyncio as aioredis
from pydantic import ValidationError
from redis.exceptions import RedisError

from domain.events import EventListener, EventPublisher
from infrastructure.logging import get_logger
from infrastructure.redis.catalogue import LiveEvent, live_event
from infrastructure.redis.fanout import Channel
from infrastructure.redis.resilient import ResilientRedis

log = get_logger(__name__)
PUBLISH_BATCH = 500
UNDELIVERED_LIMIT = 50_000
E = TypeVar("E")
T = TypeVar("T")


def serialise(event: object) -> bytes:
    """An event as it goes on the wire; UnknownEvent for one the catalogue lacks."""
    return live_event(type(event)).encode(event)


@cache
def event_decoder(event_type: type[E]) -> Callable[[bytes], E | None]:
    """What listeners of ``event_type`` are fed: its catalogue decode, but None (skipped,
    logged) for a payload that is not one, rather than an error in every listener."""
    entry = live_event(event_type)

    def decode(raw: bytes) -> E | None:
        try:
            return entry.decode(raw)
        except ValidationError:
            log.warning("ignored a live event that does not decode", channel=entry.channel,
                        payload=raw[:200])
            return None

    return decode


class RedisEventBus(EventPublisher, EventListener):
    def __init__(self, redis: ResilientRedis, prefix: str = "dialler:"):
        self._redis = redis
        self._prefix = f"{prefix}events:"
        self._channels: dict[str, Channel] = {}
        self._task: asyncio.Task | None = None
        self._connected = asyncio.Event()
        # (channel, payload): encoded when published, so what cannot be is refused at once.
        self._undelivered: deque[tuple[str, bytes]] = deque(maxlen=UNDELIVERED_LIMIT)
        self._flushing = asyncio.Lock()  # one sender at a time keeps events in order

    def channel_for_name(self, event_name: str) -> str:
        return self._prefix + event_name

    async def publish(self, events: Iterable[object]) -> None:
        """Sends the events; what Redis cannot take now is kept and sent later, in order.
        UnknownEvent, and nothing sent, when one is of a type the catalogue lacks."""
        messages = []
        for event in events:
            entry = live_event(type(event))
            messages.append((self.channel_for_name(entry.channel), entry.encode(event)))
        self._undelivered.extend(messages)
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
                    for channel, payload in batch:
                        pipe.publish(channel, payload)
                    await pipe.execute()
                return True

            if not await self._redis.run("publish", send, False):
                log.warning("live events delayed (Redis down)", waiting=len(self._undelivered))
                return False
            for _ in batch:
                self._undelivered.popleft()
        return True

    @contextlib.asynccontextmanager
    async def listen(self, event_type: type[E], view: Callable[[E], T] | None = None
                     ) -> AsyncIterator[AsyncIterator[T]]:
        """``async with bus.listen(QueueChanged) as events: async for event in events: …``

        The domain events, or what ``view`` made of them: each payload is decoded and
        viewed once per process, its result shared by every listener with the same
        (module-level) view, so treat it as read-only."""
        async with self._reading(live_event(event_type)) as channel:
            yield channel.reader(event_decoder(event_type), view)

    @contextlib.asynccontextmanager
    async def listen_wire(self, event_type: type) -> AsyncIterator[AsyncIterator[bytes]]:
        """The payloads exactly as published, undecoded: for what checks the wire format."""
        async with self._reading(live_event(event_type)) as channel:
            yield channel.reader()

    @contextlib.asynccontextmanager
    async def _reading(self, entry: LiveEvent) -> AsyncIterator[Channel]:
        name = self.channel_for_name(entry.channel)
        channel = self._channels.setdefault(name, Channel())
        channel.listeners += 1
        self._ensure_running()
        try:
            yield channel
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
