"""The dialler's running record of how calling one user has gone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.calls.outcomes import CallOutcome


@dataclass(frozen=True, slots=True)
class CallScore:
    user_id: int
    current_score: float
    total_attempts: int = 0
    failed_attempts: int = 0
    last_outcome: CallOutcome | None = None
    last_called_at: datetime | None = None
    last_contact_at: datetime | None = None
    next_call_after: datetime | None = None
    updated_at: datetime | None = None
