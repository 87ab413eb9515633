"""Domain events out to every process through Redis pub/sub."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, is_dataclass
from datetime import datetime
from enum import Enum
from uuid import UUID

from domain.events import EventPublisher
from infrastructure.logging import get_logger
from infrastructure.redis.resilient import ResilientRedis

log = get_logger(__name__)


def _json_default(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def serialise(event: object) -> bytes:
    payload = asdict(event) if is_dataclass(event) else dict(vars(event))
    return json.dumps(payload, default=_json_default, separators=(",", ":")).encode()


class RedisEventPublisher(EventPublisher):
    def __init__(self, redis: ResilientRedis, prefix: str = "dialler:"):
        self._redis = redis
        self._prefix = f"{prefix}events:"

    def channel_for(self, event: object) -> str:
        return self.channel_for_name(type(event).__name__)

    def channel_for_name(self, event_name: str) -> str:
        return self._prefix + event_name

    async def publish(self, events: Iterable[object]) -> None:
        events = list(events)
        if not events:
            return

        async def send(r):
            async with r.pipeline(transaction=False) as pipe:
                for event in events:
                    pipe.publish(self.channel_for(event), serialise(event))
                await pipe.execute()

        if await self._redis.run("publish", send, None) is None:
            log.warning("live events not delivered (Redis down)", count=len(events))
