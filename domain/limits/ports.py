"""What rate limits need from the outside world: somewhere to count."""

from __future__ import annotations

import abc

from domain.limits.rates import Quota, Refusal


class RateLimiter(abc.ABC):
    """Counts events against quotas; an adapter shares the counts between processes."""

    @abc.abstractmethod
    async def acquire(self, *quotas: Quota) -> Refusal | None:
        """Counts one event in every quota, or in none when any has no room: then the
        refusal of the first quota found full."""

    @abc.abstractmethod
    async def check(self, quota: Quota) -> Refusal | None:
        """The refusal an event would get now, or None when it has room; counts nothing."""

    @abc.abstractmethod
    async def used(self, quota: Quota) -> int:
        """Events counted in the quota's window now."""

    @abc.abstractmethod
    async def reset(self, quota: Quota) -> None:
        """Forgets the quota's events."""
