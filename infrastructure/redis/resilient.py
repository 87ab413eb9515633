"""Redis calls that degrade instead of failing: Redis holds nothing that cannot be rebuilt."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from infrastructure.logging import get_logger
from infrastructure.metrics import CACHE_ERRORS

T = TypeVar("T")
log = get_logger(__name__)


def connect(url: str) -> aioredis.Redis:
    # Short timeouts: a Redis that is down must cost milliseconds, not seconds.
    return aioredis.Redis.from_url(url, socket_connect_timeout=0.25, socket_timeout=0.5,
                                   health_check_interval=30)


class ResilientRedis:
    """Wraps a client; after a failure Redis is skipped for ``cooldown`` seconds."""

    def __init__(self, client: aioredis.Redis, cooldown: float = 2.0):
        self.client = client
        self._cooldown = cooldown
        self._down_until = 0.0

    @property
    def available(self) -> bool:
        return time.monotonic() >= self._down_until

    async def run(self, op: str, call: Callable[[aioredis.Redis], Awaitable[T]],
                  fallback: T) -> T:
        if not self.available:
            return fallback
        try:
            return await call(self.client)
        except (RedisError, OSError) as exc:
            self._down_until = time.monotonic() + self._cooldown
            CACHE_ERRORS.labels(op).inc()
            log.warning("redis unavailable, degrading", op=op, error=type(exc).__name__)
            return fallback

    async def ping(self) -> None:
        """Raises when Redis is unreachable (for readiness checks; no circuit breaker)."""
        await self.client.ping()

    async def close(self) -> None:
        await self.client.aclose()
