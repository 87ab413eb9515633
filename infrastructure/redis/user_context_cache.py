"""Whole user contexts cached in Redis (15 minutes by default), with invalidation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from domain.users.context import ScoredUserContext
from infrastructure.metrics import CACHE_REQUESTS
from infrastructure.redis import codec
from infrastructure.redis.resilient import ResilientRedis


class UserContextCache:
    def __init__(self, redis: ResilientRedis, ttl_seconds: int, prefix: str = "dialler:"):
        self._redis, self._ttl = redis, ttl_seconds
        self._prefix = f"{prefix}ctx:v1:"
        # Invalidations Redis missed while down, replayed before the next read.
        self._pending: set[str] = set()

    async def get_many(self, user_ids: Sequence[int]) -> dict[int, ScoredUserContext]:
        if not user_ids:
            return {}
        if self._pending and not await self._flush_pending():
            return {}
        raw = await self._redis.run(
            "ctx_get", lambda r: r.mget([self._key(u) for u in user_ids]), None)
        if raw is None:
            CACHE_REQUESTS.labels("user_context", "error").inc(len(user_ids))
            return {}
        found = {}
        for user_id, value in zip(user_ids, raw, strict=True):
            item = codec.decode(value) if value is not None else None
            if item is not None:
                found[user_id] = item
        CACHE_REQUESTS.labels("user_context", "hit").inc(len(found))
        CACHE_REQUESTS.labels("user_context", "miss").inc(len(user_ids) - len(found))
        return found

    async def put_many(self, items: Mapping[int, ScoredUserContext]) -> None:
        if not items:
            return

        async def write(r):
            async with r.pipeline(transaction=False) as pipe:
                for user_id, item in items.items():
                    pipe.set(self._key(user_id), codec.encode(item), ex=self._ttl)
                await pipe.execute()

        await self._redis.run("ctx_put", write, None)

    async def invalidate(self, user_ids: Iterable[int]) -> bool:
        """Drop cached contexts; False when Redis could not be told (retried before reads)."""
        self._pending.update(self._key(u) for u in user_ids)
        return await self._flush_pending()

    async def flush_pending(self) -> bool:
        """Retries invalidations Redis missed (the worker calls it while idle)."""
        return await self._flush_pending()

    async def _flush_pending(self) -> bool:
        keys = list(self._pending)
        if not keys:
            return True
        done = await self._redis.run("ctx_invalidate", lambda r: r.delete(*keys), None)
        if done is None:
            return False
        self._pending.difference_update(keys)
        return True

    def _key(self, user_id: int) -> str:
        return f"{self._prefix}{user_id}"
