"""What happens on one call, decided from the hidden truth (pure: no I/O).

Every chance is keyed by (user, their n-th call), so a user's n-th call meets the same
uniforms in both runs: whether it is answered then depends only on when it is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bench.learning_sim import draws
from bench.learning_sim.calendar import LONDON, at, local
from bench.learning_sim.hidden import (
    CALLBACK_ANSWER,
    AgentSkill,
    Person,
    answer_probability,
    conversion_probability,
    day_factor,
    true_best_hour,
    typical_curve,
)
from domain.calls.outcomes import CallOutcome
from domain.queue.calling_window import CallingWindow

MAX_TALK = 480  # seconds: an 8-minute call stays inside the 10-minute lease
CONVERTING = ((CallOutcome.GOING_TO_COMPLETE, 0.6), (CallOutcome.COMPLETED_FORM, 0.25),
              (CallOutcome.MIGHT_COMPLETE, 0.15))
TALKED = ((CallOutcome.CONTACTED, 0.42), (CallOutcome.CALLBACK_REQUESTED, 0.14),
          (CallOutcome.MIGHT_COMPLETE, 0.10), (CallOutcome.NOT_INTERESTED, 0.16),
          (CallOutcome.HUNG_UP, 0.12), (CallOutcome.WRONG_NUMBER, 0.02),
          (CallOutcome.DO_NOT_CALL, 0.04))
MISSED = ((CallOutcome.NO_ANSWER, 0.75), (CallOutcome.BUSY, 0.12),
          (CallOutcome.LEFT_VOICEMAIL, 0.13))
TALK_MEDIAN = {CallOutcome.GOING_TO_COMPLETE: 300, CallOutcome.COMPLETED_FORM: 360,
               CallOutcome.MIGHT_COMPLETE: 240, CallOutcome.CONTACTED: 180,
               CallOutcome.CALLBACK_REQUESTED: 90, CallOutcome.NOT_INTERESTED: 60,
               CallOutcome.HUNG_UP: 15, CallOutcome.WRONG_NUMBER: 20,
               CallOutcome.DO_NOT_CALL: 45}


@dataclass(frozen=True, slots=True)
class CallPlan:
    answered: bool
    outcome: CallOutcome
    ring: int  # seconds until answered or given up
    talk: int  # seconds of conversation (a voicemail's message for LEFT_VOICEMAIL)
    converts: bool
    probability: float  # the hidden chance of an answer it was decided with


def plan_call(seed: int, person: Person, nth: int, start: datetime, recent_calls: int,
              callback: bool, skill: AgentSkill) -> CallPlan:
    """How the ``nth`` call to the person, starting at ``start``, goes."""
    who = person.user_id
    if callback and day_factor(seed, person, local(start).date()) > 0:
        p = CALLBACK_ANSWER
    else:
        p = answer_probability(seed, person, local(start), recent_calls)
    if draws.uniform(seed, "answer", who, nth) >= p:
        outcome = draws.pick(seed, MISSED, "missed", who, nth)
        ring = 5 if outcome is CallOutcome.BUSY else 25 + int(10 * draws.uniform(seed, "ring",
                                                                                 who, nth))
        talk = 20 if outcome is CallOutcome.LEFT_VOICEMAIL else 0
        return CallPlan(False, outcome, ring, talk, False, p)
    converts = draws.uniform(seed, "convert", who, nth) < conversion_probability(
        seed, person, person.queue, skill)
    outcome = draws.pick(seed, CONVERTING if converts else TALKED, "outcome", who, nth)
    talk = TALK_MEDIAN[outcome] * draws.lognormal(seed, 0.45, "talk", who, nth)
    if converts:
        talk = max(talk, 60)
    return CallPlan(True, outcome, 5 + int(15 * draws.uniform(seed, "ring", who, nth)),
                    int(min(MAX_TALK, talk)), converts, p)


def conversion_delay(seed: int, user_id: int, nth: int) -> timedelta:
    """How long after the call the person signs or sends the document."""
    u = draws.uniform(seed, "delay", user_id, nth)
    v = draws.uniform(seed, "delay-len", user_id, nth)
    if u < 0.35:
        return timedelta(minutes=2 + 28 * v)
    if u < 0.75:
        return timedelta(hours=1 + 7 * v)
    return timedelta(hours=20 + 52 * v)


def callback_time(seed: int, person: Person, nth: int, now: datetime,
                  window: CallingWindow) -> datetime:
    """The time the person asks to be called back: around their best hour, today if that is
    still ahead, else on the next calling day."""
    hour = true_best_hour(typical_curve(person, steps=4))
    minute = int(60 * draws.uniform(seed, "callback", person.user_id, nth)) // 5 * 5
    day = local(now).date()
    for offset in range(0, 10):
        candidate = at(day + timedelta(days=offset), hour, minute)
        if candidate > now + timedelta(hours=1) and window.is_open(candidate):
            return candidate
    return window.next_opening(now + timedelta(days=1)).astimezone(LONDON)
