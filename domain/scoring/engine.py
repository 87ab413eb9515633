"""The scoring engine: lower is called sooner; every point explained."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from domain.calls.outcomes import CallOutcome
from domain.scoring.basics import (  # noqa: F401 (read from here by other modules)
    UK,
    aware,
    completed_years,
    postcode_area,
    uk_date,
    whole_days,
)
from domain.scoring.habits import UserHabits
from domain.scoring.learned_factors import learned_parts
from domain.scoring.points import ZERO, Part, as_float, show
from domain.scoring.points import points as points_of
from domain.scoring.rules import Adjustment, Rate, RuleSet, canonical_lender
from domain.users.model import Claim


@dataclass(frozen=True, slots=True)
class ScoringFacts:
    user_id: int
    date_of_birth: date | None
    open_claims: tuple[tuple[str | None, datetime | None], ...]  # (lender as typed, created)
    post_code: str | None
    last_outcome: CallOutcome | None
    last_reached_at: datetime | None
    failed_attempts: int
    habits: UserHabits | None = None  # learned, from the snapshot the rule set reads
    queue_type: str | None = None  # the queue they are placed in (segments are per queue)
    last_called_at: datetime | None = None  # their last call, answered or not


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
    learned: float
    total: float
    factors: tuple[Factor, ...]


def score(facts: ScoringFacts, rules: RuleSet, now: datetime) -> ScoreBreakdown:
    """Elapsed days count from ``now`` itself; calendar rules use its date in London."""
    parts = _parts(facts, rules, now)
    sums = {name: sum((p.points for p in found), ZERO) for name, found in parts.items()}
    factors = tuple(Factor(p.name, as_float(p.points), p.reason())
                    for found in parts.values() for p in found)
    return ScoreBreakdown(**{name: as_float(s) for name, s in sums.items()},
                          total=as_float(sum(sums.values(), ZERO)), factors=factors)


def score_total(facts: ScoringFacts, rules: RuleSet, now: datetime) -> float:
    """``score(...).total`` without formatting the reasons (what a rebuild needs)."""
    return as_float(sum((p.points for found in _parts(facts, rules, now).values()
                       for p in found), ZERO))


def _parts(facts: ScoringFacts, rules: RuleSet, now: datetime) -> dict[str, list[Part]]:
    today = uk_date(now)
    return {
        "lender": [_lender(facts, rules)],
        "age": [_age(facts.date_of_birth, rules, today)],
        "time": [_claim_age(facts, rules, now), _since_contact(facts, rules, now)],
        "disposition": _disposition(facts, rules),
        "adjustment": _adjustments(rules.adjustments_on(today).today, facts.post_code),
        "learned": learned_parts(facts, rules.learned, now),
    }


def _adjustment(a: Adjustment) -> Part:
    points = points_of(a.points)
    return Part("adjustment", points, lambda: f"Adjustment '{a.name}': {show(points)}")


def open_claim_facts(claims: Iterable[Claim]) -> tuple[tuple[str | None, datetime | None], ...]:
    """ScoringFacts.open_claims from a user's claims: only open ones count."""
    return tuple((c.lender, c.created_at) for c in claims if c.is_open)


def _adjustments(today: tuple[Adjustment, ...], post_code: str | None) -> list[Part]:
    """The adjustments holding today that hold in this user's post code area too."""
    if not today:
        return []
    area = postcode_area(post_code)
    return [_adjustment(a) for a in today if a.in_area(area)]


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def capped_points(rate: Rate, days: int) -> Decimal:
    """The points ``days`` earn at ``rate``, the cap applied."""
    return _capped(rate, days)[0]


def _capped(rate: Rate, days: int) -> tuple[Decimal, str]:
    """Points for ``days`` at ``rate``, and a note when the cap cut them short."""
    points, cap = points_of(rate.points_per_day) * days, points_of(rate.cap)
    return (cap, " (capped)") if points < cap else (points, "")


def _lender(facts: ScoringFacts, rules: RuleSet) -> Part:
    if not facts.open_claims:
        return Part("lender", ZERO, lambda: "No open claim: lender 0")
    named = [(canonical_lender(raw, rules), " ".join(raw.split()))
             for raw, _ in facts.open_claims if raw and raw.strip()]
    if not named:
        return Part("lender", ZERO, lambda: "No lender named on the open claims: 0")
    # The lowest points is the best; name and spelling only make ties come out the same way.
    points, name, typed = min(
        (points_of(rules.lender_points.get(name, rules.default_lender_points)), name, typed)
        for name, typed in named)
    return Part("lender", points, lambda: f"Best lender {typed} ({name}): {show(points)}")


def _age(born: date | None, rules: RuleSet, today: date) -> Part:
    years = completed_years(born, today) if born else None
    if years is None or years < 0:
        why = "unknown" if born is None else "unknown (date of birth in the future)"
        return Part("age", ZERO, lambda: f"Age {why}: 0")
    bands = [band for band in rules.age_bands if years >= band.min_age]
    points = points_of(max(bands, key=lambda b: b.min_age).points) if bands else ZERO
    return Part("age", points, lambda: f"Age {years}: {show(points)}")


def _claim_age(facts: ScoringFacts, rules: RuleSet, now: datetime) -> Part:
    created = [at for _, at in facts.open_claims if at is not None]
    if not created:
        why = "No open claim" if not facts.open_claims else "No creation date on the open claims"
        return Part("claim_age", ZERO, lambda: f"{why}: claim age 0")
    days = whole_days(min(created, key=aware), now)
    points, note = _capped(rules.claim_age, days)
    return Part("claim_age", points,
                 lambda: f"Oldest open claim {_days(days)} old: {show(points)}{note}")


def _since_contact(facts: ScoringFacts, rules: RuleSet, now: datetime) -> Part:
    rate = rules.since_contact
    reached = facts.last_reached_at is not None
    days = whole_days(facts.last_reached_at, now) if reached else rate.never_reached_days
    points, note = _capped(rate, days)
    why = (lambda: f"Last reached {_days(days)} ago") if reached \
        else (lambda: f"Never reached: counts as {_days(days)}")
    return Part("since_contact", points, lambda: f"{why()}: {show(points)}{note}")


def _disposition(facts: ScoringFacts, rules: RuleSet) -> list[Part]:
    found = []
    if facts.last_outcome is not None:
        outcome = CallOutcome(facts.last_outcome).value
        found.append(_last_outcome(outcome, points_of(rules.outcome_points.get(outcome, 0))))
    failed = max(0, facts.failed_attempts)
    if failed:
        found.append(_failed(failed, points_of(rules.failed_attempt_points) * failed))
    return found


def _last_outcome(outcome: str, points: Decimal) -> Part:
    return Part("last_outcome", points, lambda: f"Last outcome {outcome}: {show(points)}")


def _failed(failed: int, points: Decimal) -> Part:
    return Part("failed_attempts", points,
                 lambda: f"{failed} failed attempt{'s' * (failed != 1)}: {show(points)}")
