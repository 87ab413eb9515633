"""The access rule: supervisors see everyone, an agent only the users they work on."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.agents.model import Role
from domain.calls.callbacks import PENDING

RINGING = "RINGING"


class Tie(enum.StrEnum):
    """A record that may tie an agent to a user."""

    LEASE = "LEASE"                # an open lease: ``at`` is when it expires
    CALLBACK = "CALLBACK"          # a callback the agent booked: ``status`` says if pending
    RING = "RING"                  # an inbound call that rang the agent: ``status`` its state
    CONTACT = "CONTACT"            # a call (answered inbound ones too), disposition or SMS


@dataclass(frozen=True, slots=True)
class TieRecord:
    user_id: int
    tie: Tie
    at: datetime | None = None
    status: str | None = None


@dataclass(frozen=True, slots=True)
class AccessRule:
    """How long contact keeps an agent working on a user (WORK_ON_HOURS)."""

    work_on: timedelta = timedelta(hours=24)

    @staticmethod
    def sees_everyone(role: Role) -> bool:
        return role in (Role.SUPERVISOR, Role.ADMIN)

    @staticmethod
    def reads_contexts(role: Role) -> bool:
        """The main application's account reads any user's context, and nothing else."""
        return role is Role.INTEGRATION

    def records_since(self, now: datetime) -> datetime:
        """The oldest contact that can still tie an agent to a user."""
        return now - self.work_on

    def ties_at(self, record: TieRecord, now: datetime) -> bool:
        """Whether this one record makes the agent work on its user right now."""
        match record.tie:
            case Tie.LEASE:
                return record.at is not None and record.at > now
            case Tie.CALLBACK:
                return record.status == PENDING
            case Tie.RING:
                return record.status == RINGING
            case Tie.CONTACT:
                return record.at is not None and record.at >= self.records_since(now)
        return False

    def worked_on(self, records: Iterable[TieRecord], now: datetime) -> frozenset[int]:
        """The users the agent works on, from every record that may tie them."""
        return frozenset(r.user_id for r in records if self.ties_at(r, now))


@dataclass(frozen=True, slots=True)
class CallbackChanger:
    """Who asks to cancel or move callbacks: a personal one is its booking agent's."""

    agent_id: uuid.UUID
    role: Role

    def may_change(self, booked_by: uuid.UUID | None, personal: bool) -> bool:
        return not personal or booked_by == self.agent_id or AccessRule.sees_everyone(self.role)
