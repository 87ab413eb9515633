"""Scoring rule sets as data: the default, parsing, and validation naming every problem."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date

from domain.scoring.rule_checks import Problem, check_document

_HOUR, _DAY = 60, 24 * 60

DEFAULT_RULE_SET_DOCUMENT: dict = {
    "lenders": {
        "points": {"santander": -20, "lloyds": -15, "barclays": -15, "hsbc": -10,
                   "nationwide": -10},
        "default": 0,
        "aliases": {"santander uk": "santander", "santander consumer": "santander",
                    "santander consumer finance": "santander", "lloyds bank": "lloyds",
                    "barclays bank": "barclays", "barclays partner finance": "barclays",
                    "hsbc uk": "hsbc", "nationwide building society": "nationwide"},
    },
    "age_bands": [{"min_age": 65, "points": -15}, {"min_age": 45, "points": -10},
                  {"min_age": 25, "points": -5}],
    "claim_age": {"points_per_day": -1.5, "cap": -30},
    "since_contact": {"points_per_day": -2, "cap": -60, "never_reached_days": 30},
    "outcome_points": {"not_interested": 100, "wrong_number": 80, "left_voicemail": 15,
                       "hung_up": 10, "no_answer": 10, "busy": 5, "contacted": -5,
                       "going_to_complete": -5, "callback_requested": -25},
    "failed_attempt_points": 8,
    "cooldowns": {"no_answer": 4 * _HOUR, "hung_up": 4 * _HOUR, "busy": _HOUR,
                  "failed": _HOUR, "left_voicemail": _DAY, "contacted": 2 * _DAY,
                  "completed_form": _DAY, "might_complete": _DAY, "going_to_complete": 3 * _DAY,
                  "not_interested": 30 * _DAY, "callback_requested": "callback",
                  "wrong_number": "until_phone_changes", "no_claim": "until_claims_change",
                  "do_not_call": "never"},
    "adjustments": [],
}


class RuleSetInvalid(ValueError):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(f"{p.path}: {p.message}" for p in problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class AgeBand:
    min_age: int
    points: float


@dataclass(frozen=True, slots=True)
class Rate:
    points_per_day: float
    cap: float
    never_reached_days: int = 0


@dataclass(frozen=True, slots=True)
class Adjustment:
    name: str
    points: float
    days_of_month: frozenset[int] | None = None
    date_from: date | None = None
    date_to: date | None = None
    weekdays: frozenset[int] | None = None
    postcode_areas: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class RuleSet:
    lender_points: dict[str, float]
    default_lender_points: float
    aliases: dict[str, str]
    age_bands: tuple[AgeBand, ...]
    claim_age: Rate
    since_contact: Rate
    outcome_points: dict[str, float]
    failed_attempt_points: float
    cooldowns: dict[str, int | str]
    adjustments: tuple[Adjustment, ...]


def canonical_lender(raw: str | None, rules: RuleSet) -> str | None:
    """Trimmed, inner whitespace collapsed, case-folded, then through the alias table."""
    if raw is None:
        return None
    name = " ".join(raw.split()).casefold()
    if not name:
        return None
    return rules.aliases.get(name, name)


def default_rule_set() -> RuleSet:
    return parse_rule_set(copy.deepcopy(DEFAULT_RULE_SET_DOCUMENT))


def validate_rule_set(document: object) -> list[Problem]:
    return check_document(document)


def parse_rule_set(document: dict) -> RuleSet:
    problems = validate_rule_set(document)
    if problems:
        raise RuleSetInvalid(problems)
    lenders = document["lenders"]
    return RuleSet(
        lender_points={k.casefold(): float(v) for k, v in lenders["points"].items()},
        default_lender_points=float(lenders.get("default", 0)),
        aliases={" ".join(k.split()).casefold(): v.casefold()
                 for k, v in lenders.get("aliases", {}).items()},
        age_bands=tuple(sorted((AgeBand(int(b["min_age"]), float(b["points"]))
                                for b in document["age_bands"]), key=lambda b: -b.min_age)),
        claim_age=Rate(float(document["claim_age"]["points_per_day"]),
                       float(document["claim_age"]["cap"])),
        since_contact=Rate(float(document["since_contact"]["points_per_day"]),
                           float(document["since_contact"]["cap"]),
                           int(document["since_contact"].get("never_reached_days", 30))),
        outcome_points={k: float(v) for k, v in document["outcome_points"].items()},
        failed_attempt_points=float(document["failed_attempt_points"]),
        cooldowns=dict(document["cooldowns"]),
        adjustments=tuple(_adjustment(a) for a in document.get("adjustments", [])),
    )


def _adjustment(data: dict) -> Adjustment:
    when = data.get("when", {})
    as_set = lambda key, f=int: frozenset(f(v) for v in when[key]) if key in when else None  # noqa: E731
    return Adjustment(
        name=data["name"], points=float(data["points"]), days_of_month=as_set("days_of_month"),
        date_from=date.fromisoformat(when["date_from"]) if "date_from" in when else None,
        date_to=date.fromisoformat(when["date_to"]) if "date_to" in when else None,
        weekdays=as_set("weekdays"),
        postcode_areas=as_set("postcode_areas", lambda v: str(v).strip().upper()),
    )
