"""The learned factors' points (domain.scoring.learned_rules), each with its evidence.

They read the user's habits (ScoringFacts.habits) and the snapshot's tables the rule set was
loaded with. A user without habits of their own gets no window or channel factor, and with
no snapshot loaded no learned factor gives anything: such users score as without learning.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from domain.calls.outcomes import NOT_REACHED
from domain.history.records import Channel
from domain.learning.segments import age_band, learning_lender
from domain.learning.spacing import gap_of, next_gap_edge
from domain.scoring.basics import (
    UK,
    aware,
    completed_years,
    london,
    postcode_area,
    uk_date,
    whole_days,
)
from domain.scoring.habits import Evidence, UserHabits, everyone_at
from domain.scoring.learned_rules import Against, LearnedRules, ModelFeatures
from domain.scoring.points import ZERO, Part, show
from domain.scoring.points import points as points_of

if TYPE_CHECKING:
    from domain.scoring.engine import ScoringFacts

_HOUR = timedelta(hours=1)


def learned_parts(facts: ScoringFacts, learned: LearnedRules | None, now: datetime
                  ) -> list[Part]:
    if learned is None:
        return []
    found = [
        _calling_window(facts.habits, learned.calling_window, now),
        _contact_hour(facts.habits, learned, now),
        _segment(facts, learned, now),
        _channel(facts.habits, learned.call_penalty),
        _spacing(facts, learned, now),
        _model(facts, learned, now),
    ]
    return [part for part in found if part is not None]


def _calling_window(habits: UserHabits | None, points: float | None, now: datetime
                    ) -> Part | None:
    if points is None or habits is None or habits.window is None \
            or habits.window_start is None or habits.window_end is None:
        return None
    start, end, window = habits.window_start, habits.window_end, habits.window
    hours = f"{start:02d}:00 and {end:02d}:00"
    evidence = (f"answers {window.successes} of {window.trials} calls between {hours} "
                f"(p(contact) = {window.estimate:.2f}, confidence {window.confidence:.2f})")
    if not start <= london(now).hour < end:
        return Part("calling_window", ZERO,
                    lambda: f"Outside their best hours: {evidence}: 0")
    earned = points_of(points * window.confidence)
    return Part("calling_window", earned,
                lambda: f"In their best hours: {evidence}: {show(earned)}")


def _contact_hour(habits: UserHabits | None, learned: LearnedRules, now: datetime
                  ) -> Part | None:
    hour = london(now).hour
    found = _hour_points(habits, learned, hour)
    if found is None:
        return None
    earned, p, base, whose = found
    calls = habits.calls.trials if habits is not None and habits.calls is not None else 0
    return Part("contact_hour", earned, lambda: (
        f"At {hour:02d}:00 they answer p(contact) = {p:.2f}, {p / base:.2f} times the "
        f"{base:.2f} of {whose} (learned from {calls} calls of their own and everyone's kinds "
        f"of day): {show(earned)}"))


def _hour_points(habits: UserHabits | None, learned: LearnedRules, hour: int
                 ) -> tuple[Decimal, float, float, str] | None:
    """contact_hour's points in this London hour, the user's p(contact) in it and what it
    is set against (the rate, and whose); None: the factor gives nothing."""
    rule = learned.contact_hour
    p = habits.hour_rate(hour) if rule is not None and habits is not None else None
    if rule is None or habits is None or habits.hours is None or p is None:
        return None
    if rule.against is Against.EVERYONE:
        base, whose = everyone_at(learned.tables, hour), f"everyone at {hour:02d}:00"
    else:
        base, whose = sum(habits.hours) / len(habits.hours), "their calling day"
    if base is None or base <= 0:
        return None
    return points_of(rule.points * max(-1.0, min(1.0, p / base - 1))), p, base, whose


def segment_key(facts: ScoringFacts, now: datetime) -> tuple[str, str, str, str] | None:
    """The user's conversion segment in their queue (None: in no queue)."""
    if facts.queue_type is None:
        return None
    return (age_band(facts.date_of_birth, uk_date(now)),
            postcode_area(facts.post_code) or "area unknown",
            learning_lender(facts.open_claims), facts.queue_type)


def _segment(facts: ScoringFacts, learned: LearnedRules, now: datetime) -> Part | None:
    tables, points = learned.tables, learned.segment_conversion
    key = segment_key(facts, now) if tables is not None and points is not None else None
    if key is None:
        return None
    rate, everyone = tables.conversions.get(key), tables.baseline.get(key[3])
    if rate is None or everyone is None or everyone.estimate <= 0:
        return None
    lift = max(-1.0, min(1.0, rate.estimate / everyone.estimate - 1))
    earned = points_of(points * lift)
    return Part("segment_conversion", earned, lambda: (
        f"Segment {' · '.join(key[:3])} in {key[3]}: {_converts(rate)} against "
        f"{everyone.estimate:.1%} for everyone in the queue: {show(earned)}"))


def _converts(rate: Evidence) -> str:
    return f"{rate.successes} of {rate.trials} converted ({rate.estimate:.1%} shrunk)"


def _channel(habits: UserHabits | None, penalty: float | None) -> Part | None:
    preferred = habits.preferred if habits is not None else None
    if penalty is None or preferred is None:
        return None
    evidence = channel_evidence(habits)
    if preferred is Channel.SMS:
        earned = points_of(penalty)
        return Part("preferred_channel", earned, lambda: (
            f"Prefers texts ({evidence}): text rather than call: {show(earned)}"))
    return Part("preferred_channel", ZERO, lambda: f"Prefers calls ({evidence}): 0")


def channel_advice(habits: UserHabits | None, learned: LearnedRules | None) -> str | None:
    """The recommendation to text a text-preferring user, when the rules weigh channels."""
    if learned is None or learned.call_penalty is None or habits is None \
            or habits.preferred is not Channel.SMS:
        return None
    return f"Text rather than call: {channel_evidence(habits)}."


def channel_evidence(habits: UserHabits) -> str:
    calls, texts = habits.calls, habits.texts
    said = [_rate_said(calls, "answers", "calls", "not called yet (everyone answers"),
            _rate_said(texts, "replies to", "texts", "not texted yet (everyone replies")]
    return ", ".join(s for s in said if s)


def _rate_said(rate: Evidence | None, verb: str, things: str, none_own: str) -> str | None:
    if rate is None:
        return None
    if not rate.trials:  # everyone's rate: none of their own
        return f"{none_own} p = {rate.estimate:.2f})"
    return f"{verb} {rate.successes} of {rate.trials} {things} (p = {rate.estimate:.2f})"


def missed_at(facts: ScoringFacts) -> datetime | None:
    """When their last call was made, if it missed them (None: reached, or never called)."""
    if facts.last_called_at is None or facts.last_outcome not in NOT_REACHED:
        return None
    return aware(facts.last_called_at)


def _spacing(facts: ScoringFacts, learned: LearnedRules, now: datetime) -> Part | None:
    points, tables, missed = learned.retry_spacing, learned.tables, missed_at(facts)
    if points is None or tables is None or missed is None:
        return None
    elapsed = max(aware(now) - missed, timedelta(0))
    rate = tables.spacing.get(gap_of(elapsed))
    if rate is None:
        return None
    earned = points_of(points * max(-1.0, min(1.0, rate.ratio - 1)))
    return Part("retry_spacing", earned, lambda: (
        f"Last called {_ago(elapsed)} ago and missed: calls {rate.label} "
        f"reach {rate.ratio:.2f} times what their hours promise ({rate.contacts} contacts "
        f"where {rate.expected:.0f} were expected, {rate.calls} calls): {show(earned)}"))


def _ago(elapsed: timedelta) -> str:
    hours = int(elapsed / _HOUR)
    if hours < 1:
        return f"{int(elapsed.total_seconds() // 60)} min"
    return f"{hours} h" if hours < 48 else f"{hours // 24} days"


def _model(facts: ScoringFacts, learned: LearnedRules, now: datetime) -> Part | None:
    model, predictor = learned.model, learned.predictor
    if model is None or not model.enabled or predictor is None:
        return None
    p = min(1.0, max(0.0, predictor.probability(model_features(facts, now))))
    earned = points_of(model.points * p)
    return Part("model", earned, lambda: f"model: p(contact) = {p:.2f}: {show(earned)}")


def model_features(facts: ScoringFacts, now: datetime) -> ModelFeatures:
    local = london(now)
    born, reached = facts.date_of_birth, facts.last_reached_at
    window = facts.habits.window if facts.habits is not None else None
    return ModelFeatures(
        london_hour=local.hour, weekday=local.weekday(),
        age=max(-1, completed_years(born, local.date())) if born else -1,
        failed_attempts=facts.failed_attempts,
        days_since_reached=whole_days(reached, now) if reached else -1,
        open_claims=len(facts.open_claims),
        window_rate=window.estimate if window is not None else -1.0)


def next_learned_change(facts: ScoringFacts, learned: LearnedRules | None, now: datetime
                        ) -> datetime | None:
    """The first time after ``now`` a learned factor's points may move by time alone: the
    user's best hours opening or closing; a retry after a miss reaching its next gap; with
    a model or contact_hour, every London hour."""
    if learned is None:
        return None
    times = []
    habits = facts.habits
    if learned.calling_window is not None and habits is not None \
            and habits.window is not None and habits.window_start is not None:
        times.append(_next_window_edge(habits.window_start, habits.window_end, now))
    missed = missed_at(facts)
    if learned.retry_spacing is not None and missed is not None:
        times.append(next_gap_edge(missed, aware(now)))
    model = learned.model
    if model is not None and model.enabled and learned.predictor is not None:
        times.append(_next_hour(now, 1))
    elif learned.contact_hour is not None and habits is not None and habits.hours:
        times.append(_next_contact_hour_change(habits, learned, now))
    return min((t for t in times if t is not None), default=None)


def _next_hour(now: datetime, hours: int) -> datetime:
    # London's offsets are whole hours, so its hours turn when UTC's do.
    return aware(now).replace(minute=0, second=0, microsecond=0) + hours * _HOUR


def _next_contact_hour_change(habits: UserHabits, learned: LearnedRules, now: datetime
                              ) -> datetime | None:
    """The first coming London hour whose contact_hour points differ from now's: a user's
    entry is not scored again through the hours (the night) in which they stay the same."""
    def earned(at: datetime) -> Decimal:
        found = _hour_points(habits, learned, london(at).hour)
        return found[0] if found is not None else ZERO

    current = earned(now)
    turns = (_next_hour(now, ahead) for ahead in range(1, 25))
    return next((turn for turn in turns if earned(turn) != current), None)


def _next_window_edge(start: int, end: int | None, now: datetime) -> datetime:
    now = aware(now)
    today = now.astimezone(UK).date()
    edges = [datetime.combine(day, time(hour), UK) for day in (today, today + timedelta(1))
             for hour in (start, end if end is not None and end < 24 else start)]
    return min(e for e in edges if e > now).astimezone(UTC)
