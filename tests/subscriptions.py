"""Knowing a subscription is live before causing the event it should see: a probe event
is published until the subscriber has received one."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from domain.events import EventPublisher
from domain.queue.model import QueueChanged, QueueChangeKind, QueueType
from tests.waiting import wait_until

_probe_numbers = itertools.count()


@runtime_checkable
class Listener(Protocol):
    async def recv(self) -> str | bytes: ...


async def until_subscribed(listeners: Listener | Sequence[Listener],
                           publish_probe: Callable[[str], Awaitable[None]],
                           probe_in: Callable[[str | bytes], str | None], *,
                           timeout: float = 30.0) -> None:  # noqa: ASYNC109
    """Publishes probes (``publish_probe(marker)``, each marker new) until every listener
    has received the last one sent (``probe_in(frame)`` gives a frame's marker, else None),
    dropping what they received meanwhile. Events keep their order, so once the last probe
    is in, no probe is still on its way to what the test reads next: listeners that may
    see each other's probes are probed together, in one call."""
    group = [listeners] if isinstance(listeners, Listener) else list(listeners)

    async def last_probe_arrived() -> bool:
        last = f"probe {next(_probe_numbers)}"
        await publish_probe(last)
        return all(await asyncio.gather(*(_read_up_to(one, last, probe_in) for one in group)))

    await wait_until(last_probe_arrived, "a probe reached the subscription", timeout=timeout,
                     interval=0)


async def _read_up_to(listener: Listener, marker: str,
                      probe_in: Callable[[str | bytes], str | None]) -> bool:
    # A live subscription has it in milliseconds; a later probe replaces a lost one. The
    # bound is on the whole read, so a stream of other frames cannot hold it up for good.
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(0.5):
            while probe_in(await listener.recv()) != marker:
                pass
            return True
    return False


def marker_at(field: str, *path: str) -> Callable[[str | bytes], str | None]:
    """``probe_in`` for a GraphQL subscription frame (either protocol): the value at
    ``path`` in the subscription ``field``'s data, or None for any other frame."""
    def probe_in(frame: str | bytes) -> str | None:
        value = json.loads(frame)
        for key in ("payload", "data", field, *path):
            value = value.get(key) if isinstance(value, dict) else None
        return value if isinstance(value, str) else None

    return probe_in


def publishing(events: EventPublisher, probe: Callable[[str], object]
               ) -> Callable[[str], Awaitable[None]]:
    """``publish_probe`` sending ``probe(marker)`` through ``events``."""
    async def publish(marker: str) -> None:
        await events.publish([probe(marker)])

    return publish


def queue_probe(marker: str) -> QueueChanged:
    """A rescore of no one (user 0), in UNSIGNED: every queueUpdates subscription sees it."""
    return QueueChanged(QueueChangeKind.RESCORED, 0, QueueType.UNSIGNED, QueueType.UNSIGNED,
                        0.0, marker, datetime.now(UTC))
