"""The limits the API applies: every request's budget, SMS and magic links, login back-off.

Each method answers None (go ahead, and it was counted) or the Refusal to report; a
refused event is counted nowhere.
"""

from __future__ import annotations

import hashlib
import uuid

from domain.agents.model import Role
from domain.agents.sessions import Principal
from domain.limits.ports import RateLimiter
from domain.limits.rates import LoginBackoff, Quota, RatePolicy, Refusal

UNKNOWN_ADDRESS = "unknown"


class RateLimits:
    def __init__(self, limiter: RateLimiter, policy: RatePolicy):
        self.limiter = limiter
        self.policy = policy
        self.logins = LoginThrottle(limiter, policy.login)

    async def request(self, principal: Principal | None, address: str | None
                      ) -> Refusal | None:
        """One GraphQL operation: the agent's budget once authenticated (the main
        application's INTEGRATION account has a larger one), else the address's."""
        if principal is None:
            return await self.limiter.acquire(
                Quota(self.policy.requests_per_address, (_address(address),)))
        rate = self.policy.requests_per_integration if principal.has_role(
            Role.INTEGRATION) else self.policy.requests_per_agent
        return await self.limiter.acquire(Quota(rate, (str(principal.agent_id),)))

    async def sms(self, agent_id: uuid.UUID, user_id: int) -> Refusal | None:
        """One SMS an agent sends to a user."""
        return await self._per_agent_and_user(self.policy.sms_per_agent,
                                              self.policy.sms_per_user, agent_id, user_id)

    async def magic_link(self, agent_id: uuid.UUID, user_id: int) -> Refusal | None:
        """One magic link an agent sends to a user (either channel)."""
        return await self._per_agent_and_user(self.policy.links_per_agent,
                                              self.policy.links_per_user, agent_id, user_id)

    async def _per_agent_and_user(self, per_agent, per_user, agent_id: uuid.UUID,
                                  user_id: int) -> Refusal | None:
        agent, user = (str(agent_id),), (str(user_id),)
        return await self.limiter.acquire(*(Quota(rate, agent) for rate in per_agent),
                                          *(Quota(rate, user) for rate in per_user))


class LoginThrottle:
    """Failed logins counted per (e-mail, address): an office behind one address is not
    locked out by one person's typing, nor an agent by someone elsewhere guessing.

    An attempt counts as a failure from the moment it is let through until it succeeds:
    attempts sent at once cannot all pass while the first are still being checked."""

    def __init__(self, limiter: RateLimiter, backoff: LoginBackoff):
        self._limiter = limiter
        self._backoff = backoff

    async def attempt(self, email: str, address: str | None) -> Refusal | None:
        """Before the password is checked: the refusal while this pair waits, else None
        (and the attempt is counted)."""
        subject = login_subject(email, address)
        failures = Quota(self._backoff.failures, subject)
        # Each gate is taken atomically: attempts arriving together pass one by one.
        free = Quota(self._backoff.free_attempts, subject)
        if await self._limiter.acquire(free) is not None:
            # The free ones are spent: one attempt per wait, the wait set by the count.
            count = max(self._backoff.free, await self._limiter.used(failures))
            refusal = await self._limiter.acquire(Quota(self._backoff.wait(count), subject))
            if refusal is not None:
                return refusal
        await self._limiter.acquire(failures)  # refused once full: the wait is at its cap
        count = await self._limiter.used(failures)
        if self._backoff.wait_after(count):  # the next attempt waits from now
            await self._limiter.acquire(Quota(self._backoff.wait(count), subject))
        return None

    async def succeeded(self, email: str, address: str | None) -> None:
        """The pair starts afresh: whoever typed the password right is not being guessed."""
        subject = login_subject(email, address)
        await self._limiter.reset(Quota(self._backoff.free_attempts, subject))
        await self._limiter.reset(Quota(self._backoff.failures, subject))


def login_subject(email: str, address: str | None) -> tuple[str, str]:
    """(a digest of the lower-cased e-mail, the address): no e-mail is kept in the counters,
    and a long one costs no more than a short one."""
    raw = (email or "").strip().lower().encode("utf-8", "surrogatepass")
    return hashlib.blake2b(raw, digest_size=16).hexdigest(), _address(address)


def _address(address: str | None) -> str:
    # An IPv6 address is at most 45 characters; anything longer is not one.
    return address[:64] if address else UNKNOWN_ADDRESS
