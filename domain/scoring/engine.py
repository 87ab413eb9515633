"""The scoring engine: lower is called sooner; every point explained."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain.calls.outcomes import CallOutcome
from domain.scoring.rules import Adjustment, RuleSet, canonical_lender

_DAY = timedelta(days=1)


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
    lender: float
    age: float
    time: float
    disposition: float
    adjustment: float
    total: float
    factors: tuple[Factor, ...]


def _r(points: float) -> float:
    return round(points + 0.0, 2)


def _signed(points: float) -> str:
    return f"{points:+g}"


def completed_years(born: date, on: date) -> int:
    """Age in completed years; a 29 February birthday counts from 1 March in other years."""
    years = on.year - born.year
    return years - ((on.month, on.day) < (born.month, born.day))


def whole_days(since: datetime | None, now: datetime) -> int:
    return 0 if since is None else max(0, math.floor((now - since) / _DAY))


def _lender(facts: ScoringFacts, rules: RuleSet) -> Factor | None:
    best: tuple[float, str, str] | None = None
    for raw, _ in facts.open_claims:
        name = canonical_lender(raw, rules)
        if name is None:
            continue
        points = rules.lender_points.get(name, rules.default_lender_points)
        if best is None or points < best[0]:
            best = (points, raw.strip(), name)
    if best is None:
        return None
    points, raw, name = best
    return Factor("lender", points, f"Best lender {raw} ({name}): {_signed(points)}")


def _age(facts: ScoringFacts, rules: RuleSet, now: datetime) -> Factor | None:
    if facts.date_of_birth is None:
        return Factor("age", 0, "Age unknown: +0")
    age = completed_years(facts.date_of_birth, now.date())
    for band in rules.age_bands:
        if age >= band.min_age:
            return Factor("age", band.points, f"Age {age}: {_signed(band.points)}")
    return Factor("age", 0, f"Age {age}: +0")


def _claim_age(facts: ScoringFacts, rules: RuleSet, now: datetime) -> Factor | None:
    created = [c for _, c in facts.open_claims if c is not None]
    if not created:
        return None
    days = whole_days(min(created), now)
    points = _r(max(rules.claim_age.cap, rules.claim_age.points_per_day * days))
    return Factor("claim_age", points,
                  f"Oldest open claim {days} day(s) old: {_signed(points)}")


def _since_contact(facts: ScoringFacts, rules: RuleSet, now: datetime) -> Factor:
    rate = rules.since_contact
    if facts.last_reached_at is None:
        days = rate.never_reached_days
        why = f"Never reached (counts as {days} days)"
    else:
        days = whole_days(facts.last_reached_at, now)
        why = f"Last reached {days} day(s) ago"
    points = _r(max(rate.cap, rate.points_per_day * days))
    return Factor("since_contact", points, f"{why}: {_signed(points)}")


def _disposition(facts: ScoringFacts, rules: RuleSet) -> list[Factor]:
    found = []
    if facts.last_outcome is not None:
        points = rules.outcome_points.get(facts.last_outcome.value, 0.0)
        found.append(Factor("last_outcome", points,
                            f"Last outcome {facts.last_outcome.value}: {_signed(points)}"))
    if facts.failed_attempts:
        points = _r(rules.failed_attempt_points * facts.failed_attempts)
        found.append(Factor("failed_attempts", points,
                            f"{facts.failed_attempts} failed attempt(s): {_signed(points)}"))
    return found


def _applies(adj: Adjustment, facts: ScoringFacts, now: datetime) -> bool:
    today = now.date()
    area = "".join(ch for ch in (facts.post_code or "").strip().upper()[:2] if ch.isalpha())
    return all((
        adj.days_of_month is None or today.day in adj.days_of_month,
        adj.date_from is None or today >= adj.date_from,
        adj.date_to is None or today <= adj.date_to,
        adj.weekdays is None or today.weekday() in adj.weekdays,
        adj.postcode_areas is None or bool(area) and area in adj.postcode_areas,
    ))


def score(facts: ScoringFacts, rules: RuleSet, now: datetime) -> ScoreBreakdown:
    lender = _lender(facts, rules)
    age = _age(facts, rules, now)
    time_factors = [f for f in (_claim_age(facts, rules, now),
                                _since_contact(facts, rules, now)) if f]
    disposition = _disposition(facts, rules)
    adjustments = [Factor("adjustment", a.points, f"Adjustment '{a.name}': {_signed(a.points)}")
                   for a in rules.adjustments if _applies(a, facts, now)]
    parts = {
        "lender": _r(lender.points if lender else 0),
        "age": _r(age.points),
        "time": _r(sum(f.points for f in time_factors)),
        "disposition": _r(sum(f.points for f in disposition)),
        "adjustment": _r(sum(f.points for f in adjustments)),
    }
    factors = tuple(f for f in (lender, age, *time_factors, *disposition, *adjustments) if f)
    return ScoreBreakdown(**parts, total=_r(sum(parts.values())), factors=factors)
