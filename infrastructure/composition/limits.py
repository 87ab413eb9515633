"""Rate limits: in Redis when there is one to share; the embedded default's in-process Redis
serves one process only, so its counts stay in memory."""

from __future__ import annotations

from infrastructure.redis.rate_limits import LimitsRateLimiter
from infrastructure.redis.resilient import ResilientRedis
from infrastructure.settings import Settings
from service_layer.rate_limits import RateLimits


def build_rate_limits(s: Settings, redis: ResilientRedis) -> RateLimits:
    return RateLimits(LimitsRateLimiter(redis if s.redis_url else None, s.redis_key_prefix),
                      s.rate_policy)
