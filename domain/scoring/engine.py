"""The scoring engine: lower is called sooner; every point explained."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from domain.calls.outcomes import CallOutcome
from domain.scoring.rules import Adjustment, Rate, RuleSet, canonical_lender
from domain.users.model import Claim

_DAY = timedelta(days=1)
_CENT = Decimal("0.01")
_ZERO = Decimal(0)
# Birthdays, month-ends and weekdays are the UK's calendar days, whatever zone `now` is in.
UK = ZoneInfo("Europe/London")
_AREA = re.compile(r"([A-Z]{1,2})\d")


@dataclass(frozen=True, slots=True)
class ScoringFacts:
    user_id: int
    date_of_birth: date | None
    open_claims: tuple[tuple[str | None, datetime | None], ...]  # (lender as typed, created)
    post_code: str | None
    last_outcome: CallOutcome | None
    last_reached_at: datetime | None
    failed_attempts: int


@dataclass(frozen=True, slots=True)
class Factor:
    name: str
    points: float
    reason: str


@dataclass(frozen=True, slots=True)
class ScoreBreakdown:
    """Each part is the exact sum of its factors, and total the exact sum of the parts.

    All values are whole hundredths computed in decimal, so ``round(sum(parts), 2) == total``
    and summing ``Decimal(repr(x))`` of the parts gives ``Decimal(repr(total))`` exactly.
    """

    lender: float
    age: float
    time: float
    disposition: float
    adjustment: float
    total: float
    factors: tuple[Factor, ...]


@dataclass(frozen=True, slots=True)
class _Part:
    name: str
    points: Decimal
    reason: Callable[[], str]  # formatted only when asked for: rebuilds need just the points


def score(facts: ScoringFacts, rules: RuleSet, now: datetime) -> ScoreBreakdown:
    """Elapsed days count from ``now`` itself; calendar rules use its date in London."""
    parts = _parts(facts, rules, now)
    sums = {name: sum((p.points for p in found), _ZERO) for name, found in parts.items()}
    factors = tuple(Factor(p.name, _float(p.points), p.reason())
                    for found in parts.values() for p in found)
    return ScoreBreakdown(**{name: _float(s) for name, s in sums.items()},
                          total=_float(sum(sums.values(), _ZERO)), factors=factors)


def score_total(facts: ScoringFacts, rules: RuleSet, now: datetime) -> float:
    """``score(...).total`` without formatting the reasons (what a rebuild needs)."""
    return _float(sum((p.points for found in _parts(facts, rules, now).values()
                       for p in found), _ZERO))


def _parts(facts: ScoringFacts, rules: RuleSet, now: datetime) -> dict[str, list[_Part]]:
    today = uk_date(now)
    return {
        "lender": [_lender(facts, rules)],
        "age": [_age(facts.date_of_birth, rules, today)],
        "time": [_claim_age(facts, rules, now), _since_contact(facts, rules, now)],
        "disposition": _disposition(facts, rules),
        "adjustment": [_adjustment(a) for a in rules.adjustments
                       if applies(a, today, facts.post_code)],
    }


def _adjustment(a: Adjustment) -> _Part:
    points = _points(a.points)
    return _Part("adjustment", points, lambda: f"Adjustment '{a.name}': {_show(points)}")


def open_claim_facts(claims: Iterable[Claim]) -> tuple[tuple[str | None, datetime | None], ...]:
    """ScoringFacts.open_claims from a user's claims: only open ones count."""
    return tuple((c.lender, c.created_at) for c in claims if c.is_open)


def completed_years(born: date, on: date) -> int:
    """Age in completed years; a 29 February birthday comes on 1 March in other years."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def whole_days(since: datetime, now: datetime) -> int:
    """Whole 24-hour periods from ``since`` to ``now``; 0 when ``since`` is in the future."""
    return max(0, (aware(now) - aware(since)) // _DAY)


def uk_date(now: datetime) -> date:
    return now.astimezone(UK).date() if now.tzinfo else now.date()


def postcode_area(post_code: str | None) -> str | None:
    """The letters that open a UK postcode ("LS" of "ls1 4ap", "M" of "M1 1AE")."""
    found = _AREA.match("".join((post_code or "").split()).upper())
    return found.group(1) if found else None


def applies(adjustment: Adjustment, today: date, post_code: str | None) -> bool:
    """Every condition the adjustment gives holds today for this post code."""
    a = adjustment
    return ((a.days_of_month is None or today.day in a.days_of_month)
            and (a.date_from is None or today >= a.date_from)
            and (a.date_to is None or today <= a.date_to)
            and (a.weekdays is None or today.weekday() in a.weekdays)
            and (a.postcode_areas is None or postcode_area(post_code) in a.postcode_areas))


def aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)  # the replica's naive times are UTC


@lru_cache(maxsize=4096)  # rule values repeat for every user: round each once
def _points(value: float) -> Decimal:
    """Whole hundredths, halves away from zero: the one rounding every figure goes through."""
    return Decimal(repr(value)).quantize(_CENT, ROUND_HALF_UP)


def _float(value: Decimal) -> float:
    return float(value) + 0.0  # + 0.0 turns -0.0 into 0.0


def _show(points: Decimal) -> str:
    return "0" if points == 0 else f"{points.normalize():+f}"


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def capped_points(rate: Rate, days: int) -> Decimal:
    """The points ``days`` earn at ``rate``, the cap applied."""
    return _capped(rate, days)[0]


def _capped(rate: Rate, days: int) -> tuple[Decimal, str]:
    """Points for ``days`` at ``rate``, and a note when the cap cut them short."""
    points, cap = _points(rate.points_per_day) * days, _points(rate.cap)
    return (cap, " (capped)") if points < cap else (points, "")


def _lender(facts: ScoringFacts, rules: RuleSet) -> _Part:
    if not facts.open_claims:
        return _Part("lender", _ZERO, lambda: "No open claim: lender 0")
    named = [(canonical_lender(raw, rules), " ".join(raw.split()))
             for raw, _ in facts.open_claims if raw and raw.strip()]
    if not named:
        return _Part("lender", _ZERO, lambda: "No lender named on the open claims: 0")
    # The lowest points is the best; name and spelling only make ties come out the same way.
    points, name, typed = min(
        (_points(rules.lender_points.get(name, rules.default_lender_points)), name, typed)
        for name, typed in named)
    return _Part("lender", points, lambda: f"Best lender {typed} ({name}): {_show(points)}")


def _age(born: date | None, rules: RuleSet, today: date) -> _Part:
    years = completed_years(born, today) if born else None
    if years is None or years < 0:
        why = "unknown" if born is None else "unknown (date of birth in the future)"
        return _Part("age", _ZERO, lambda: f"Age {why}: 0")
    bands = [band for band in rules.age_bands if years >= band.min_age]
    points = _points(max(bands, key=lambda b: b.min_age).points) if bands else _ZERO
    return _Part("age", points, lambda: f"Age {years}: {_show(points)}")


def _claim_age(facts: ScoringFacts, rules: RuleSet, now: datetime) -> _Part:
    created = [at for _, at in facts.open_claims if at is not None]
    if not created:
        why = "No open claim" if not facts.open_claims else "No creation date on the open claims"
        return _Part("claim_age", _ZERO, lambda: f"{why}: claim age 0")
    days = whole_days(min(created, key=aware), now)
    points, note = _capped(rules.claim_age, days)
    return _Part("claim_age", points,
                 lambda: f"Oldest open claim {_days(days)} old: {_show(points)}{note}")


def _since_contact(facts: ScoringFacts, rules: RuleSet, now: datetime) -> _Part:
    rate = rules.since_contact
    reached = facts.last_reached_at is not None
    days = whole_days(facts.last_reached_at, now) if reached else rate.never_reached_days
    points, note = _capped(rate, days)
    why = (lambda: f"Last reached {_days(days)} ago") if reached \
        else (lambda: f"Never reached: counts as {_days(days)}")
    return _Part("since_contact", points, lambda: f"{why()}: {_show(points)}{note}")


def _disposition(facts: ScoringFacts, rules: RuleSet) -> list[_Part]:
    found = []
    if facts.last_outcome is not None:
        outcome = CallOutcome(facts.last_outcome).value
        found.append(_last_outcome(outcome, _points(rules.outcome_points.get(outcome, 0))))
    failed = max(0, facts.failed_attempts)
    if failed:
        found.append(_failed(failed, _points(rules.failed_attempt_points) * failed))
    return found


def _last_outcome(outcome: str, points: Decimal) -> _Part:
    return _Part("last_outcome", points, lambda: f"Last outcome {outcome}: {_show(points)}")


def _failed(failed: int, points: Decimal) -> _Part:
    return _Part("failed_attempts", points,
                 lambda: f"{failed} failed attempt{'s' * (failed != 1)}: {_show(points)}")
