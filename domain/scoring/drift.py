"""When a score next changes with time alone: what the time-driven rescorer keeps to.

With its facts unchanged, a user's score moves only when
- another whole day passes since their oldest open claim was created, until the claim-age
  points reach their cap;
- another whole day passes since they were last reached, until that cap (a user never
  reached counts a fixed number of days: no drift);
- a birthday passes (their age band may change);
- the UK date changes while a dated adjustment (days of the month, a date range, weekdays)
  may still apply to their post code area;
- a learned factor moves (domain.scoring.learned_factors.next_learned_change): their best
  hours open or close, a retry after a miss reaches its next gap, or, with a model or
  contact_hour, a London hour turns; a birthday may also move them to another conversion
  segment.

``next_change`` may name a time before the score really changes (rescoring then finds the
same score and asks again), never one after it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from domain.scoring.engine import (
    UK,
    ScoringFacts,
    aware,
    capped_points,
    completed_years,
    postcode_area,
    uk_date,
    whole_days,
)
from domain.scoring.learned_factors import next_learned_change
from domain.scoring.rules import Rate, RuleSet

_DAY = timedelta(days=1)


def next_change(facts: ScoringFacts, rules: RuleSet, now: datetime) -> datetime | None:
    """The first time after ``now`` at which the score may change; None: never by time."""
    created = [at for _, at in facts.open_claims if at is not None]
    times = (
        _tick(min(created, key=aware), rules.claim_age, now) if created else None,
        _tick(facts.last_reached_at, rules.since_contact, now)
        if facts.last_reached_at is not None else None,
        _next_birthday(facts.date_of_birth, now)
        if facts.date_of_birth is not None and (rules.age_bands or _by_segment(rules))
        else None,
        _uk_midnight_after(now) if _dated_may_apply_later(rules, now, facts.post_code)
        else None,
        next_learned_change(facts, rules.learned, now),
    )
    return min((t for t in times if t is not None), default=None)


def _by_segment(rules: RuleSet) -> bool:
    return rules.learned is not None and rules.learned.segment_conversion is not None


def _tick(since: datetime, rate: Rate, now: datetime) -> datetime | None:
    """The next whole day elapsed since ``since``, unless its points are at the cap."""
    days = whole_days(since, now)
    if capped_points(rate, days) == capped_points(rate, days + 10**6):
        return None  # at the cap already (or no points a day): no later day changes it
    return aware(since) + (days + 1) * _DAY


def _next_birthday(born: date, now: datetime) -> datetime:
    """UK midnight of the next day the user's completed years go up."""
    today = uk_date(now)
    years = completed_years(born, today)
    day = today + _DAY
    # At most a year and a day ahead (29 February counts from 1 March in other years).
    for year in (today.year, today.year + 1):
        anniversary = _anniversary(born, year)
        if anniversary > today and completed_years(born, anniversary) > years:
            day = anniversary
            break
    return _uk_midnight(day)


def _anniversary(born: date, year: int) -> date:
    try:
        return born.replace(year=year)
    except ValueError:  # 29 February in a year without one
        return date(year, 3, 1)


def _dated_may_apply_later(rules: RuleSet, now: datetime, post_code: str | None) -> bool:
    """A dated adjustment whose conditions may hold on some later UK date for this user."""
    later = rules.adjustments_on(uk_date(now)).later
    if not later:
        return False
    area = postcode_area(post_code)
    return any(a.in_area(area) for a in later)


def _uk_midnight_after(now: datetime) -> datetime:
    return _uk_midnight(uk_date(now) + _DAY)


def _uk_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), UK).astimezone(UTC)


