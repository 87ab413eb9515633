"""A call's progress as Twilio reports it, never moving backwards (callbacks arrive unordered)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum


class CallStatus(StrEnum):
    QUEUED = "QUEUED"
    RINGING = "RINGING"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    BUSY = "BUSY"
    NO_ANSWER = "NO_ANSWER"
    FAILED = "FAILED"
    CANCELED = "CANCELED"


TERMINAL = frozenset({CallStatus.COMPLETED, CallStatus.BUSY, CallStatus.NO_ANSWER,
                      CallStatus.FAILED, CallStatus.CANCELED})
# Missed: a call that ended without anyone talking.
UNANSWERED = frozenset({CallStatus.BUSY, CallStatus.NO_ANSWER, CallStatus.FAILED,
                        CallStatus.CANCELED})
_RANK = {CallStatus.QUEUED: 0, CallStatus.RINGING: 1, CallStatus.IN_PROGRESS: 2}

# Twilio's CallStatus / DialCallStatus values ("answered" only in a Dial action).
_TWILIO = {
    "queued": CallStatus.QUEUED, "initiated": CallStatus.QUEUED,
    "ringing": CallStatus.RINGING, "in-progress": CallStatus.IN_PROGRESS,
    "answered": CallStatus.IN_PROGRESS, "completed": CallStatus.COMPLETED,
    "busy": CallStatus.BUSY, "no-answer": CallStatus.NO_ANSWER, "failed": CallStatus.FAILED,
    "canceled": CallStatus.CANCELED,
}


class InvalidCallReport(ValueError):
    """A webhook's fields that cannot describe a call; the message names the field."""


def from_twilio(raw: str | None, field: str = "CallStatus") -> CallStatus:
    status = _TWILIO.get((raw or "").strip().lower())
    if status is None:
        raise InvalidCallReport(f"{field} {raw!r} is not a Twilio call status")
    return status


def rank(status: CallStatus) -> int:
    return _RANK.get(status, 3)


@dataclass(frozen=True, slots=True)
class CallProgress:
    status: CallStatus
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    talk_seconds: int = 0


@dataclass(frozen=True, slots=True)
class StatusReport:
    status: CallStatus
    at: datetime
    duration: int | None = None  # seconds of talk, when Twilio says


def advance(current: CallProgress, report: StatusReport) -> CallProgress | None:
    """The progress after ``report``; None when it changes nothing (late, repeated, backwards).

    A late report may still fill a time that is missing (an "answered" arriving after
    "completed"), but a status never goes back and a finished call never changes how it ended.
    """
    status = report.status
    if rank(status) <= rank(current.status):
        if status is CallStatus.IN_PROGRESS and current.answered_at is None \
                and current.status is CallStatus.COMPLETED:
            return replace(current, answered_at=report.at)
        return None
    answered_at = current.answered_at
    if status is CallStatus.IN_PROGRESS:
        answered_at = report.at
    if status not in TERMINAL:
        return CallProgress(status, answered_at, None, 0)
    return CallProgress(status, answered_at, report.at, _talk(status, answered_at, report))


def _talk(status: CallStatus, answered_at: datetime | None, report: StatusReport) -> int:
    if status is not CallStatus.COMPLETED:
        return 0
    if report.duration is not None:
        return max(report.duration, 0)
    if answered_at is not None:
        return max(int((report.at - answered_at).total_seconds()), 0)
    return 0
