"""The customers' hidden truth: when they answer, how they prefer to be reached, whether
they convert. The dialler never sees any of this; the simulator consults it call by call.

Answering. A person's chance of answering at London time t on day d is

    p = responsiveness × shape(t) × weekday(d, t) × day(d) × 0.8^(calls in the last 24 h)

``shape`` is a *mixture* of one to three smooth bumps (Gaussians in continuous time, e.g.
lunch and early evening) over a floor, scaled to peak at 1 on weekdays, drawn around the
bumps of a lifestyle (office, retired, parent, shift worker, student) that depends on age
but not on where they live; Saturday has its own bumps (later, broader) and level;
Monday is a little lower and Friday evening much lower; ``day`` is a per-person-day
log-normal (good and bad days) that is zero on the ~7% of days they are away; repeated
calls tire them. A callback they asked for is answered far more often.

Channel. Text replies are a trait of their own (``text_reply``): about one person in seven
barely answers calls but replies to most texts.

Converting. Given a real conversation, p(convert) = sigmoid(queue base + age curve + area
effect + lender effect + age×lender and area×lender interactions + personal propensity +
the agent's skill in that queue). Skills differ per queue (correlated across queues, not
equal).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

from bench.learning_sim import draws

SUBPRIME = frozenset({"moneybarn", "startline", "blue motor finance", "oodle",
                      "first response finance", "advantage finance"})
HIGH_STREET = frozenset({"santander", "lloyds", "halifax", "nationwide", "barclays", "hsbc"})
LENDER_EFFECT = {"santander": 0.25, "lloyds": 0.15, "barclays": 0.0, "hsbc": -0.1,
                 "nationwide": 0.3, "halifax": 0.2, "black horse": -0.15, "motonovo": 0.0,
                 "close brothers": -0.2, "moneybarn": -0.35, "startline": -0.3,
                 "blue motor finance": -0.2, "first response finance": -0.25, "oodle": -0.1,
                 "advantage finance": -0.3, "v12 retail finance": 0.05}
QUEUE_BASE = {"UNSIGNED": -1.7, "OUTSTANDING_REQUESTS": -1.1}
AWAY_SHARE = 0.07  # days a person is away and answers nothing
FATIGUE = 0.8  # each call in the last 24 hours multiplies the chance by this
CALLBACK_ANSWER = 0.85  # a callback they asked for, at the time they gave


@dataclass(frozen=True, slots=True)
class Bump:
    centre: float  # London hour, fractional
    width: float  # hours (standard deviation)
    weight: float


@dataclass(frozen=True, slots=True)
class Person:
    """One customer's hidden traits (the replica holds only their visible data)."""

    user_id: int
    age: int | None
    area: str
    lender: str  # the true brand of their oldest claim
    queue: str  # UNSIGNED or OUTSTANDING_REQUESTS, as seeded
    style: str
    weekday: tuple[Bump, ...]
    saturday: tuple[Bump, ...]
    floor: float  # share of the peak they answer at outside their bumps
    norm: float  # scales the weekday mixture to peak at 1
    responsiveness: float  # peak chance of answering on an ordinary weekday
    saturday_level: float
    text_reply: float  # chance of replying to a text
    propensity: float  # personal conversion logit offset


def mixture(bumps: tuple[Bump, ...], hour: float) -> float:
    return sum(b.weight * math.exp(-((hour - b.centre) ** 2) / (2 * b.width * b.width))
               for b in bumps)


def shape(person: Person, hour: float, saturday: bool) -> float:
    """0..1 (about): the person's answering shape at a fractional London hour."""
    bumps = person.saturday if saturday else person.weekday
    return person.floor + (1 - person.floor) * min(1.0, mixture(bumps, hour) * person.norm)


def weekday_factor(person: Person, local: datetime) -> float:
    day, hour = local.weekday(), local.hour + local.minute / 60
    if day == 5:
        return person.saturday_level
    if day == 0:
        return 0.9
    if day == 4 and hour >= 17:
        return 0.7
    return 1.0


def day_factor(seed: int, person: Person, day: date) -> float:
    """Good days and bad days, and days away (0)."""
    if draws.uniform(seed, "away", person.user_id, day.toordinal()) < AWAY_SHARE:
        return 0.0
    return draws.lognormal(seed, 0.35, "day", person.user_id, day.toordinal())


def answer_probability(seed: int, person: Person, local: datetime, recent_calls: int) -> float:
    """The chance they answer a call starting at ``local`` (London time)."""
    hour = local.hour + local.minute / 60 + local.second / 3600
    p = (person.responsiveness * shape(person, hour, local.weekday() == 5)
         * weekday_factor(person, local) * day_factor(seed, person, local.date())
         * FATIGUE ** recent_calls)
    return min(0.95, p)


def typical_curve(person: Person, steps: int = 12) -> dict[int, float]:
    """Each calling hour's mean chance of answering on an ordinary weekday (Tue-Thu, an
    average day, not tired): the truth a learned window is judged against."""
    return {h: person.responsiveness * sum(shape(person, h + (k + 0.5) / steps, False)
                                           for k in range(steps)) / steps
            for h in range(8, 20)}


def true_best_hour(curve: dict[int, float]) -> int:
    return max(curve, key=lambda h: (curve[h], -h))


def conversion_logit(seed: int, person: Person, queue: str) -> float:
    """Everything but the agent: the person's logit of converting after a conversation."""
    age = person.age if person.age is not None else 45
    logit = QUEUE_BASE.get(queue, -1.5) + max(-0.5, min(0.6, 0.02 * (age - 45)))
    logit += area_effect(seed, person.area) + LENDER_EFFECT.get(person.lender, 0.0)
    if age >= 55 and person.lender in HIGH_STREET:
        logit += 0.5
    if age < 30 and person.lender in SUBPRIME:
        logit -= 0.6
    if person.area in ("E", "SE", "B", "M") and person.lender == "black horse":
        logit += 0.6
    return logit + person.propensity


def area_effect(seed: int, area: str) -> float:
    return 0.3 * draws.normal(seed, "area", area)


@dataclass(frozen=True, slots=True)
class AgentSkill:
    """An agent's hidden conversion skill (logit) per queue."""

    index: int
    by_queue: dict[str, float]


def agent_skill(seed: int, index: int) -> AgentSkill:
    shared = draws.normal(seed, "skill", index)
    return AgentSkill(index, {q: 0.4 * (0.6 * shared + 0.8 * draws.normal(seed, "skill", index, q))
                              for q in QUEUE_BASE})


def conversion_probability(seed: int, person: Person, queue: str, skill: AgentSkill) -> float:
    return draws.sigmoid(conversion_logit(seed, person, queue)
                         + skill.by_queue.get(queue, 0.0))
