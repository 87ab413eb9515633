"""Rules of an agent's presence: pause reasons, wrap-up after a call, idle sessions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.agents.model import AgentStatus, InvalidAgent, normalise_reason


@dataclass(frozen=True, slots=True)
class PauseReasons:
    """The configured reasons an agent may give for PAUSED, in the configured spelling."""

    allowed: tuple[str, ...]

    @classmethod
    def of(cls, reasons: Iterable[str]) -> PauseReasons:
        cleaned = tuple(dict.fromkeys(" ".join(r.split()) for r in reasons if r and r.strip()))
        if not cleaned:
            raise ValueError("PAUSE_REASONS must name at least one reason")
        return cls(cleaned)

    def check(self, status: AgentStatus, reason: str | None) -> str | None:
        """The reason to store; PAUSED needs one of the list (any case), others are free."""
        clean = normalise_reason(reason)
        if status is not AgentStatus.PAUSED:
            return clean
        if clean is None:
            raise InvalidAgent(f"PAUSED needs a reason, one of: {', '.join(self.allowed)}")
        wanted = " ".join(clean.split()).casefold()
        for allowed in self.allowed:
            if allowed.casefold() == wanted:
                return allowed
        raise InvalidAgent(f"reason {clean!r} is not a pause reason; use one of: "
                           f"{', '.join(self.allowed)}")


@dataclass(frozen=True, slots=True)
class PresencePolicy:
    """How long a silent session lives and how long wrap-up lasts."""

    idle_after: timedelta
    wrap_up: timedelta

    def idle_cutoff(self, now: datetime) -> datetime:
        """Sessions last seen before this are idle."""
        return now - self.idle_after

    def wrap_up_cutoff(self, now: datetime) -> datetime:
        """Agents in WRAP_UP since before this are AVAILABLE again."""
        return now - self.wrap_up

    @property
    def wraps_up(self) -> bool:
        return self.wrap_up > timedelta(0)


# Why a session ended (agent_sessions.end_reason), and the status reason it gives OFFLINE.
LOGGED_OUT = "LOGOUT"
IDLE = "IDLE"
DISABLED = "DISABLED"
# An agent's role changed: they log in again as what they now are.
ROLE_CHANGED = "ROLE_CHANGED"
# An admin reset the password: the sessions opened with the old one end.
PASSWORD_RESET = "PASSWORD_RESET"
OFFLINE_BECAUSE = {LOGGED_OUT: "logged out", IDLE: "no heartbeat", DISABLED: "agent disabled",
                   ROLE_CHANGED: "role changed", PASSWORD_RESET: "password reset"}
# The reasons automatic status changes carry (on the wallboard and in the history).
WRAP_UP_STARTED = "after a disposition"
WRAP_UP_OVER = "wrap-up time over"
WRAP_UP_CUT_SHORT = "asked for the next lead"
# Why a lease ended when its agent's session did (leases.end_reason, at most 32 chars).
LEASE_RELEASED = "agent session closed"
