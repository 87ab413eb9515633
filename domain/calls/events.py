"""Domain events of a call's aftermath, raised once what they report is committed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.calls.outcomes import CallOutcome


@dataclass(frozen=True, slots=True)
class DispositionMade:
    """An agent recorded how a call to ``user_id`` went."""

    user_id: int
    outcome: CallOutcome
    callback_at: datetime | None
    at: datetime


@dataclass(frozen=True, slots=True)
class CallbackBooked:
    """A callback to ``user_id`` was booked for ``for_time``."""

    user_id: int
    for_time: datetime
    at: datetime
