"""What the queue rules look at for one user: replica facts and the dialler's own."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from domain.calls.outcomes import CallOutcome
from domain.scoring.habits import UserHabits


@dataclass(frozen=True, slots=True)
class ReplicaFacts:
    user_id: int
    phone_raw: str | None
    date_of_birth: date | None
    status: str | None
    is_enabled: bool | None
    signed: bool
    post_code: str | None
    open_claims: tuple[tuple[str | None, datetime | None], ...]  # (lender, created_at)
    claim_keys: tuple[tuple[int, str | None], ...]  # (claim id, status) of every claim
    pending_requirements: int

    @property
    def claims_fingerprint(self) -> str:
        """Worked out only when asked: few users ever have a no-claim block to compare."""
        return claims_fingerprint(self.claim_keys)

    @property
    def has_open_claim(self) -> bool:
        return bool(self.open_claims)

    @property
    def eligible_user(self) -> bool:
        """Enabled and not inactive; NULLs are not eligible (the main app always sets both)."""
        return self.is_enabled is True and self.status is not None and self.status != "inactive"


def claims_fingerprint(claims: Iterable[tuple[int, str | None]]) -> str:
    """Changes whenever a claim is added, removed or changes status."""
    text = ";".join(f"{cid}:{status}" for cid, status in sorted(claims, key=lambda c: c[0]))
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class DueCallback:
    id: int
    scheduled_for: datetime
    personal_agent_id: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class DiallerFacts:
    phone_dialable: bool
    do_not_call: bool = False
    callback: DueCallback | None = None
    last_outcome: CallOutcome | None = None
    last_reached_at: datetime | None = None
    failed_attempts: int = 0
    next_call_after: datetime | None = None
    wrong_number_phone: str | None = None
    no_claim_fingerprint: str | None = None
    habits: UserHabits | None = None  # learned, from the snapshot their rule set reads
    last_called_at: datetime | None = None  # their last call, answered or not
