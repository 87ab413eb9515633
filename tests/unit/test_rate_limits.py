"""The login back-off rule and the limits' use cases, over a counter with a hand-moved clock."""

from __future__ import annotations

import threading
import uuid

import pytest

from domain.agents.model import Role
from domain.agents.ports import PasswordHasher
from domain.agents.sessions import Principal
from domain.limits.ports import RateLimiter
from domain.limits.rates import LoginBackoff, Quota, Rate, RatePolicy, Refusal
from service_layer.passwords import hash_password, verify_password
from service_layer.rate_limits import LoginThrottle, RateLimits, login_subject


class ManualClockLimiter(RateLimiter):
    """Moving windows as plain lists of event times; ``now`` moves only when told."""

    def __init__(self) -> None:
        self.now = 1_000_000.0
        self.events: dict[tuple, list[float]] = {}

    def _live(self, quota: Quota) -> list[float]:
        key = (quota.rate, quota.subject)
        self.events[key] = [t for t in self.events.get(key, []) if t > self.now
                            - quota.rate.seconds]
        return self.events[key]

    async def acquire(self, *quotas: Quota) -> Refusal | None:
        for quota in quotas:
            if refusal := await self.check(quota):
                return refusal
        for quota in quotas:
            self._live(quota).append(self.now)
        return None

    async def check(self, quota: Quota) -> Refusal | None:
        live = self._live(quota)
        if len(live) < quota.rate.amount:
            return None
        frees_at = live[-quota.rate.amount] + quota.rate.seconds
        return Refusal(quota, max(1, int(frees_at - self.now + 0.999)))

    async def used(self, quota: Quota) -> int:
        return len(self._live(quota))

    async def reset(self, quota: Quota) -> None:
        self.events.pop((quota.rate, quota.subject), None)


def test_the_wait_doubles_after_the_free_failures_up_to_the_cap():
    backoff = LoginBackoff(free=5, base_seconds=2, max_seconds=900)
    assert [backoff.wait_after(n) for n in range(5)] == [0] * 5
    assert [backoff.wait_after(n) for n in range(5, 15)] == [
        2, 4, 8, 16, 32, 64, 128, 256, 512, 900]
    assert backoff.wait_after(10_000) == 900
    # Counting stops one past the first failure that reaches the cap: more cannot wait longer.
    assert backoff.failures_counted == 15
    assert backoff.failures == Rate("login.failures", 15, 86_400)
    assert backoff.wait(7) == Rate("login.wait", 1, 8)


def test_a_back_off_that_cannot_hold_is_refused():
    with pytest.raises(ValueError, match="shorter than the first"):
        LoginBackoff(base_seconds=60, max_seconds=30)
    with pytest.raises(ValueError, match="at least 1"):
        Rate("sms.user", 0, 60)


def test_rates_describe_themselves_in_words():
    assert Rate("sms.user", 3, 60).describe() == "sms.user: 3 per minute"
    assert Rate("sms.user", 10, 86_400).describe() == "sms.user: 10 per day"
    assert Rate("login.wait", 1, 90).describe() == "login.wait: 1 per 90 s"


async def test_login_waits_grow_per_email_and_address_and_a_success_starts_afresh():
    limiter = ManualClockLimiter()
    throttle = LoginThrottle(limiter, LoginBackoff(free=5, base_seconds=2, max_seconds=900))
    ann = ("Ann@Example.com", "10.0.0.1")
    for _ in range(5):  # each counted as a failure until it succeeds
        assert await throttle.attempt(*ann) is None
    assert (await throttle.attempt("ANN@example.com ", "10.0.0.1")).retry_after_seconds == 2
    # Nobody else behind the address, and not Ann from elsewhere.
    assert await throttle.attempt("bob@example.com", "10.0.0.1") is None
    assert await throttle.attempt("ann@example.com", "10.9.9.9") is None

    limiter.now += 2
    assert await throttle.attempt(*ann) is None  # the sixth, once its wait is over
    assert (await throttle.attempt(*ann)).retry_after_seconds == 4  # twice as long
    limiter.now += 1
    assert (await throttle.attempt(*ann)).retry_after_seconds == 3  # refusals add nothing
    limiter.now += 3
    assert await throttle.attempt(*ann) is None
    assert (await throttle.attempt(*ann)).retry_after_seconds == 8

    await throttle.succeeded(*ann)
    for _ in range(5):
        assert await throttle.attempt(*ann) is None
    assert await throttle.attempt(*ann) is not None


async def test_at_the_cap_the_wait_stops_growing():
    limiter = ManualClockLimiter()
    backoff = LoginBackoff(free=1, base_seconds=10, max_seconds=40)
    throttle = LoginThrottle(limiter, backoff)
    waits = []
    for _ in range(6):
        assert await throttle.attempt("ann@example.com", None) is None
        refusal = await throttle.attempt("ann@example.com", None)
        waits.append(refusal.retry_after_seconds)
        limiter.now += refusal.retry_after_seconds
    assert waits == [10, 20, 40, 40, 40, 40]


def test_counters_never_hold_an_e_mail_and_take_any_text():
    digest, address = login_subject("Ann@Example.com", None)
    assert "ann" not in digest and address == "unknown"
    assert login_subject(" ann@example.com", "10.0.0.1") == login_subject("ANN@example.com",
                                                                          "10.0.0.1")
    assert login_subject("\ud800@x", "a" * 500)[1] == "a" * 64


def _policy(per_agent: int, per_user: int) -> RatePolicy:
    minute = 60
    return RatePolicy(
        requests_per_agent=Rate("requests.agent", 2, minute),
        requests_per_integration=Rate("requests.integration", 3, minute),
        requests_per_address=Rate("requests.address", 1, minute),
        sms_per_agent=(Rate("sms.agent", per_agent, minute),),
        sms_per_user=(Rate("sms.user", per_user, minute),),
        links_per_agent=(Rate("links.agent", per_agent, minute),),
        links_per_user=(Rate("links.user", per_user, minute),), login=LoginBackoff())


async def test_a_refused_sms_counts_against_neither_the_agent_nor_the_user():
    limits = RateLimits(ManualClockLimiter(), _policy(per_agent=3, per_user=2))
    agent = uuid.uuid4()
    assert await limits.sms(agent, 1) is None
    assert await limits.sms(agent, 1) is None
    refused = await limits.sms(agent, 1)
    assert refused.quota.rate.name == "sms.user" and refused.retry_after_seconds == 60
    assert await limits.sms(agent, 2) is None  # the agent's third: the refusal took none
    assert (await limits.sms(agent, 3)).quota.rate.name == "sms.agent"
    assert await limits.magic_link(agent, 1) is None  # links are counted apart


async def test_the_request_budget_is_the_agents_once_known_else_the_addresses():
    limits = RateLimits(ManualClockLimiter(), _policy(per_agent=3, per_user=2))
    agent = Principal(uuid.uuid4(), Role.SUPERVISOR)
    assert await limits.request(agent, "10.0.0.1") is None
    assert await limits.request(agent, "10.0.0.1") is None
    assert (await limits.request(agent, "10.0.0.2")).quota.rate.name == "requests.agent"
    assert await limits.request(Principal(uuid.uuid4(), Role.AGENT), "10.0.0.1") is None
    assert await limits.request(None, "10.0.0.1") is None
    assert (await limits.request(None, "10.0.0.1")).quota.rate.name == "requests.address"
    assert await limits.request(None, "10.0.0.3") is None
    main_app = Principal(uuid.uuid4(), Role.INTEGRATION)
    assert [await limits.request(main_app, None) for _ in range(3)] == [None] * 3
    assert (await limits.request(main_app, None)).quota.rate.name == "requests.integration"


class ThreadNoting(PasswordHasher):
    def __init__(self) -> None:
        self.threads: list[int] = []

    def hash(self, password: str) -> str:
        self.threads.append(threading.get_ident())
        return "hashed:" + password

    def verify(self, password_hash: str | None, password: str) -> bool:
        self.threads.append(threading.get_ident())
        return password_hash == "hashed:" + password


async def test_passwords_are_hashed_and_checked_off_the_loops_thread():
    hasher = ThreadNoting()
    assert await hash_password(hasher, "pw") == "hashed:pw"
    assert await verify_password(hasher, "hashed:pw", "pw")
    assert not await verify_password(hasher, None, "pw")
    assert len(hasher.threads) == 3 and threading.get_ident() not in hasher.threads
