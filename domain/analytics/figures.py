"""Supervisor figures: the London day, periods, rates, averages and outcome groups.

Definitions (the wallboard and reports use these, nothing else):
- a *call* is a row of the ``calls`` table (outbound or inbound) started in the period;
- an *answered* call is one with talk time (``talk_seconds > 0``);
- *handle time* is a call's talk time; ``averageHandleSeconds`` averages it over
  answered calls (wrap-up is shown live as the WRAP_UP status, not added here);
- a *contact* is a disposition whose outcome reached the user: any outcome but
  no_answer, busy, failed, left_voicemail, wrong_number (the same rule scoring uses for
  "last contact", domain.calls.outcomes.NOT_REACHED); ``contactRate`` is contacts over
  dispositions, because every attempt gets a disposition whether or not Twilio saw a call;
- a *text* is an outbound SMS created in the period and not FAILED (one waiting for a
  retry counts once it goes), a person's or an automated agent's; the floor's total also
  holds automatic texts no agent sent;
- a *conversion* is a row of ``conversions``: a signature or completed requirement after a
  call, disposition or followed magic link, credited as domain.calls.attribution decides
  (to the last real conversation, else to who sent the link last followed).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.calls.outcomes import NOT_REACHED, CallOutcome
from domain.messaging.model import SmsStatus

LONDON = ZoneInfo("Europe/London")
NO_LENDER = "(no lender)"


class InvalidPeriod(ValueError):
    """A period the reports refuse; ``field`` names the argument at fault."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


class OutcomeGroup(StrEnum):
    QUEUE = "QUEUE"
    LENDER = "LENDER"
    HOUR = "HOUR"
    AGENT = "AGENT"


@dataclass(frozen=True, slots=True)
class Period:
    start: datetime  # inclusive
    end: datetime  # exclusive


def london_day(now: datetime) -> Period:
    """Today in Europe/London as UTC instants (23 or 25 hours on clock-change days)."""
    day: date = now.astimezone(LONDON).date()
    start = datetime.combine(day, time(0), LONDON)
    end = datetime.combine(day + timedelta(days=1), time(0), LONDON)
    return Period(start.astimezone(UTC), end.astimezone(UTC))


def closed_until(now: datetime) -> datetime:
    """The start of the current UTC hour: every London hour and day that ends by then has
    closed (London's offsets are whole hours, so its hours are UTC hours)."""
    return now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def check_period(start: datetime, end: datetime, max_days: int) -> Period:
    """``from`` before ``to``, both with a time zone, at most ``max_days`` apart."""
    for value, name in ((start, "from"), (end, "to")):
        if value.tzinfo is None:
            raise InvalidPeriod(f"{name} needs a time zone offset (e.g. 2026-11-24T09:00:00Z)",
                                name)
    if start >= end:
        raise InvalidPeriod("from must be before to", "from")
    if end - start > timedelta(days=max_days):
        raise InvalidPeriod(f"the period may span at most {max_days} days", "to")
    return Period(start.astimezone(UTC), end.astimezone(UTC))


def rate(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide by."""
    return part / whole if whole else None


def average(total: float, count: int) -> float | None:
    return total / count if count else None


CONTACT_OUTCOMES = tuple(sorted(o.value for o in CallOutcome if o not in NOT_REACHED))


def is_contact(outcome: str) -> bool:
    return outcome in CONTACT_OUTCOMES


# The statuses of an outbound text that was sent (or is on its way): not FAILED.
SENT_TEXT_STATUSES = tuple(sorted(s.value for s in SmsStatus
                                  if s not in (SmsStatus.FAILED, SmsStatus.RECEIVED)))


def lender_key(open_claims: Iterable[tuple[str | None, datetime | None]],
               all_claims: Iterable[tuple[str | None, datetime | None]]) -> str:
    """A user's lender: of their oldest open claim, else their oldest claim; tidied."""
    for claims in (open_claims, all_claims):
        named = [(created or datetime.max.replace(tzinfo=UTC), " ".join(lender.split()))
                 for lender, created in claims if lender and lender.strip()]
        if named:
            return min(named, key=lambda c: (_aware(c[0]), c[1].casefold()))[1].casefold()
    return NO_LENDER


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class OutcomeCount:
    key: str
    outcome: str
    count: int


def regroup(counts: Iterable[tuple[object, str, int]], key_of: dict) -> list[OutcomeCount]:
    """(sub-key, outcome, count) rows summed under ``key_of[sub-key]``, sorted by key."""
    totals: dict[tuple[str, str], int] = {}
    for sub, outcome, count in counts:
        key = key_of.get(sub, str(sub))
        totals[(key, outcome)] = totals.get((key, outcome), 0) + count
    return [OutcomeCount(k, o, n) for (k, o), n in sorted(totals.items())]
