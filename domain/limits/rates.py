"""Rates, quotas and the login back-off rule, free of any storage."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rate:
    """At most ``amount`` events in any ``seconds`` (a moving window).

    ``name`` says what is counted ("sms.user") and keeps its counts apart from other rates'.
    """

    name: str
    amount: int
    seconds: int

    def __post_init__(self) -> None:
        if self.amount < 1 or self.seconds < 1:
            raise ValueError(f"rate {self.name!r}: amount and seconds must each be at least 1 "
                             f"(got {self.amount} per {self.seconds} s)")

    def describe(self) -> str:
        return f"{self.name}: {self.amount} per {_duration(self.seconds)}"


def _duration(seconds: int) -> str:
    for unit, size in (("day", 86_400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            count = seconds // size
            return unit if count == 1 else f"{count} {unit}s"
    return f"{seconds} s"


@dataclass(frozen=True, slots=True)
class Quota:
    """A rate applied to one subject: an agent, a user, an address, an (e-mail, address)."""

    rate: Rate
    subject: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Refusal:
    """A quota with no room left, and how long until it has some again (at least 1 s)."""

    quota: Quota
    retry_after_seconds: int


@dataclass(frozen=True, slots=True)
class LoginBackoff:
    """Failed logins of one (e-mail, address): ``free`` of them within ``window_seconds``
    cost nothing; from then on each failure makes the next attempt wait, ``base_seconds``
    after the ``free``-th and twice as long after each further one, up to ``max_seconds``."""

    free: int = 5
    base_seconds: int = 2
    max_seconds: int = 900
    window_seconds: int = 86_400

    def __post_init__(self) -> None:
        if self.free < 1 or self.base_seconds < 1 or self.window_seconds < 1:
            raise ValueError("login back-off: free failures, base and window must be >= 1")
        if self.max_seconds < self.base_seconds:
            raise ValueError("login back-off: the longest wait is shorter than the first")

    def wait_after(self, failures: int) -> int:
        """Seconds the next attempt waits once ``failures`` are counted; 0: no wait."""
        if failures < self.free:
            return 0
        doublings = failures - self.free
        if doublings >= self.max_seconds.bit_length():  # already past the cap
            return self.max_seconds
        return min(self.max_seconds, self.base_seconds << doublings)

    @property
    def failures_counted(self) -> int:
        """How many failures are worth keeping: one more and the wait is already the cap."""
        failures = self.free
        while self.wait_after(failures) < self.max_seconds:
            failures += 1
        return failures + 1

    @property
    def failures(self) -> Rate:
        return Rate("login.failures", self.failures_counted, self.window_seconds)

    @property
    def free_attempts(self) -> Rate:
        """The attempts let through without a wait."""
        return Rate("login.free", self.free, self.window_seconds)

    def wait(self, failures: int) -> Rate:
        """The rate that holds the next attempt back after ``failures`` (one per wait)."""
        return Rate("login.wait", 1, self.wait_after(failures))


@dataclass(frozen=True, slots=True)
class RatePolicy:
    """Every limit the API applies; each from a setting."""

    requests_per_agent: Rate
    requests_per_integration: Rate
    requests_per_address: Rate
    sms_per_agent: tuple[Rate, ...]
    sms_per_user: tuple[Rate, ...]
    links_per_agent: tuple[Rate, ...]
    links_per_user: tuple[Rate, ...]
    login: LoginBackoff
