"""Rate limits counted by the ``limits`` library: moving windows in Redis, shared by every
API process; while Redis is unreachable, in this process's memory (degraded, never open)."""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter

from domain.limits.ports import RateLimiter
from domain.limits.rates import Quota, Refusal
from infrastructure.redis.resilient import ResilientRedis

T = TypeVar("T")
Strategy = MovingWindowRateLimiter
_REDIS_DOWN = object()


class LimitsRateLimiter(RateLimiter):
    """Without a Redis (the embedded default, one process) the counts live in memory."""

    def __init__(self, redis: ResilientRedis | None, key_prefix: str = "dialler:"):
        self._redis = redis
        self._shared: Strategy | None = None
        if redis is not None:
            # The process's own connection pool, with its short timeouts: a Redis that is
            # down costs milliseconds, and the circuit breaker skips it for a while.
            self._shared = Strategy(RedisStorage(
                "async+redis://", implementation="redispy",
                connection_pool=redis.client.connection_pool, key_prefix=f"{key_prefix}limits"))
        self._local = Strategy(MemoryStorage())

    async def acquire(self, *quotas: Quota) -> Refusal | None:
        return await self._run("rate_limit", lambda s: _acquire(s, quotas))

    async def check(self, quota: Quota) -> Refusal | None:
        async def check(strategy: Strategy) -> Refusal | None:
            item = _item(quota)
            if await strategy.test(item, *quota.subject):
                return None
            return await _refusal(strategy, quota, item)

        return await self._run("rate_limit", check)

    async def used(self, quota: Quota) -> int:
        async def used(strategy: Strategy) -> int:
            item = _item(quota)
            stats = await strategy.get_window_stats(item, *quota.subject)
            return item.amount - stats.remaining

        return await self._run("rate_limit", used)

    async def reset(self, quota: Quota) -> None:
        # Both: counts made in memory during an outage must not outlive a reset either.
        await self._local.clear(_item(quota), *quota.subject)
        await self._run("rate_limit", lambda s: s.clear(_item(quota), *quota.subject))

    async def _run(self, op: str, call: Callable[[Strategy], Awaitable[T]]) -> T:
        if self._shared is not None and self._redis is not None:
            shared = self._shared
            result = await self._redis.run(op, lambda _client: call(shared), _REDIS_DOWN)
            if result is not _REDIS_DOWN:
                return result
        return await call(self._local)


async def _acquire(strategy: Strategy, quotas: tuple[Quota, ...]) -> Refusal | None:
    items = [(quota, _item(quota)) for quota in quotas]
    if len(items) > 1:  # look first, so that a refused event is counted in none of them
        for quota, item in items:
            if not await strategy.test(item, *quota.subject):
                return await _refusal(strategy, quota, item)
    for quota, item in items:
        if not await strategy.hit(item, *quota.subject):  # filled meanwhile
            return await _refusal(strategy, quota, item)
    return None


async def _refusal(strategy: Strategy, quota: Quota, item: RateLimitItem) -> Refusal:
    stats = await strategy.get_window_stats(item, *quota.subject)
    return Refusal(quota, max(1, math.ceil(stats.reset_time - time.time())))


def _item(quota: Quota) -> RateLimitItem:
    rate = quota.rate
    return RateLimitItemPerSecond(rate.amount, rate.seconds, namespace=rate.name)
