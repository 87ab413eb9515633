"""Scoring rule sets as data: the default, and a parser that names every problem at once."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from domain.calls.outcomes import CallOutcome
from domain.scoring.document import MISSING as _MISSING
from domain.scoring.document import Reader as _Reader
from domain.scoring.document import show as _show
from domain.scoring.learned_rules import LearnedRules, read_learned
from domain.scoring.problems import Problem
from domain.text import NUL_REFUSED, nul_paths

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

# The disposition rules hard-wire these outcomes' effects (domain/calls/disposition.py), so
# each must keep its own special value, and no other outcome may borrow one: "never" on
# not_interested would read as "no cool-down at all" there.
SPECIAL_COOLDOWNS = {
    "callback_requested": "callback", "wrong_number": "until_phone_changes",
    "no_claim": "until_claims_change", "do_not_call": "never",
}

_OUTCOMES = tuple(o.value for o in CallOutcome)
_SECTIONS = ("lenders", "age_bands", "claim_age", "since_contact", "outcome_points",
             "failed_attempt_points", "cooldowns", "adjustments", "learned")
_REQUIRED = _SECTIONS[:-2]  # adjustments and learned factors are optional
_WHEN = ("days_of_month", "date_from", "date_to", "weekdays", "postcode_areas")
_MAX_COOLDOWN = 365 * _DAY
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_AREA = re.compile(r"[A-Za-z]{1,2}")
_NOT_OUTCOME = f"is not a call outcome (one of {', '.join(_OUTCOMES)})"


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
    """Points per whole day elapsed, never beyond ``cap`` (both zero or negative)."""

    points_per_day: float
    cap: float
    never_reached_days: int = 0


@dataclass(frozen=True, slots=True)
class Adjustment:
    """Points added when every condition given holds (None: no condition)."""

    name: str
    points: float
    days_of_month: frozenset[int] | None = None
    date_from: date | None = None
    date_to: date | None = None
    weekdays: frozenset[int] | None = None
    postcode_areas: frozenset[str] | None = None  # upper case, e.g. "LS", "M"

    def holds_on(self, today: date) -> bool:
        """Every date condition given holds on this UK date."""
        return ((self.days_of_month is None or today.day in self.days_of_month)
                and (self.date_from is None or today >= self.date_from)
                and (self.date_to is None or today <= self.date_to)
                and (self.weekdays is None or today.weekday() in self.weekdays))

    def may_hold_after(self, today: date) -> bool:
        """Dated, and its date conditions may hold on some later UK date."""
        if self.days_of_month is None and self.date_from is None and self.date_to is None \
                and self.weekdays is None:
            return False  # undated: it holds or not whatever the day
        return self.date_to is None or today <= self.date_to  # on its last day: ends tomorrow

    def in_area(self, area: str | None) -> bool:
        """The post code area condition (an area, from postcode_area) holds."""
        return self.postcode_areas is None or area in self.postcode_areas


@dataclass(frozen=True, slots=True)
class DatedAdjustments:
    """A rule set's adjustments as one UK date sees them, before a user's post code."""

    today: tuple[Adjustment, ...]  # every date condition holds today
    later: tuple[Adjustment, ...]  # dated, and its date conditions may hold on a later day

    @staticmethod
    def on(adjustments: tuple[Adjustment, ...], today: date) -> DatedAdjustments:
        return DatedAdjustments(tuple(a for a in adjustments if a.holds_on(today)),
                                tuple(a for a in adjustments if a.may_hold_after(today)))


@dataclass(frozen=True, slots=True)
class RuleSet:
    lender_points: dict[str, float]  # keyed by lender_key(name)
    default_lender_points: float
    aliases: dict[str, str]  # lender_key(alias) -> a key of lender_points
    age_bands: tuple[AgeBand, ...]  # oldest band first
    claim_age: Rate
    since_contact: Rate
    outcome_points: dict[str, float]
    failed_attempt_points: float
    cooldowns: dict[str, int | str]  # minutes, or a SPECIAL_COOLDOWNS value
    adjustments: tuple[Adjustment, ...]
    learned: LearnedRules | None = None  # no learned factors: scored as without learning
    # Each UK date's DatedAdjustments, worked out once for every user scored that day.
    _by_day: dict[date, DatedAdjustments] = field(default_factory=dict, init=False,
                                                  repr=False, compare=False, hash=False)

    def adjustments_on(self, today: date) -> DatedAdjustments:
        found = self._by_day.get(today)
        if found is None:
            if len(self._by_day) > 8:
                self._by_day.clear()  # a long-lived rule set outlives many days
            found = self._by_day[today] = DatedAdjustments.on(self.adjustments, today)
        return found

    @property
    def snapshot(self) -> int | None:
        """The learning snapshot whose tables this rule set was loaded with."""
        return self.learned.snapshot_version if self.learned is not None else None


def lender_key(raw: str) -> str:
    """Trimmed, inner runs of whitespace collapsed to one space, case-folded."""
    return " ".join(raw.split()).casefold()


def canonical_lender(raw: str | None, rules: RuleSet) -> str | None:
    """The lender a claim names, through the alias table; None when it names none."""
    if raw is None:
        return None
    key = lender_key(raw)
    return rules.aliases.get(key, key) if key else None


def default_rule_set() -> RuleSet:
    return parse_rule_set(copy.deepcopy(DEFAULT_RULE_SET_DOCUMENT))


def validate_rule_set(document: object) -> list[Problem]:
    """Every problem in the document, in document order; empty when it is usable."""
    reader = _Reader()
    _read(reader, document)
    return reader.problems


def parse_rule_set(document: dict) -> RuleSet:
    """The rule set a document describes; RuleSetInvalid lists every problem at once."""
    reader = _Reader()
    rules = _read(reader, document)
    if reader.problems or rules is None:
        raise RuleSetInvalid(reader.problems)
    return rules


# Reading and checking are one pass, so nothing that passes the checks can fail to parse.

def _read(r: _Reader, document: object) -> RuleSet | None:
    for path in nul_paths(document):
        r.bad(path, NUL_REFUSED)
    doc = r.obj(document, "$", _SECTIONS, required=_REQUIRED)
    if doc is None:
        return None
    get = lambda key: doc.get(key, _MISSING)  # noqa: E731
    lenders = _lenders(r, get("lenders"))
    bands = _age_bands(r, get("age_bands"))
    claim_age = _rate(r, get("claim_age"), "claim_age")
    since = _rate(r, get("since_contact"), "since_contact")
    outcomes = _outcome_points(r, get("outcome_points"))
    failed = r.number(get("failed_attempt_points"), "failed_attempt_points")
    cooldowns = _cooldowns(r, get("cooldowns"))
    adjustments = _adjustments(r, doc.get("adjustments", []))
    learned = read_learned(r, get("learned"))
    parts = (lenders, bands, claim_age, since, outcomes, failed, cooldowns, adjustments)
    if r.problems or any(part is None for part in parts):
        return None  # every read that returned None has already named its problem
    points, default, aliases = lenders
    return RuleSet(points, default, aliases, bands, claim_age, since, outcomes, failed,
                   cooldowns, adjustments, learned)


def _lenders(r: _Reader, value: object) -> tuple[dict, float, dict] | None:
    section = r.obj(value, "lenders", ("points", "default", "aliases"), required=("points",))
    if section is None:
        return None
    given = _by_lender(r, section.get("points", _MISSING), "lenders.points")
    points = {key: r.number(raw, path) for key, (path, raw) in (given or {}).items()}
    default = r.number(section.get("default", 0), "lenders.default")
    aliases: dict[str, str] = {}
    for key, (path, target) in (_by_lender(r, section.get("aliases", {}), "lenders.aliases")
                                or {}).items():
        if key in points:
            r.bad(path, "is itself a lender with points; an alias cannot rename it")
        elif given is None:
            continue  # no usable points to check the target against; that is already said
        elif not isinstance(target, str) or lender_key(target) not in points:
            r.bad(path, f"points at {_show(target)}, which has no entry in lenders.points")
        else:
            aliases[key] = lender_key(target)
    if given is None or default is None or None in points.values():
        return None
    return points, default, aliases


def _by_lender(r: _Reader, value: object, path: str) -> dict[str, tuple[str, object]] | None:
    """An object keyed by lender names: lender_key -> (path, value); blanks, repeats refused."""
    given = r.obj(value, path)
    if given is None:
        return None
    found: dict[str, tuple[str, object]] = {}
    for name, raw in given.items():
        key, here = lender_key(str(name)), f"{path}.{name}"
        if not key:
            r.bad(here, "must be a lender's name")
        elif key in found:
            r.bad(here, f"repeats {found[key][0]} (names are trimmed and case-folded)")
        else:
            found[key] = (here, raw)
    return found


def _age_bands(r: _Reader, value: object) -> tuple[AgeBand, ...] | None:
    if value is _MISSING:
        return None
    if not isinstance(value, list):
        return r.bad("age_bands", "must be a list of {min_age, points}, oldest band first")
    bands: list[AgeBand] = []
    previous: int | None = None
    for i, item in enumerate(value):
        path = f"age_bands[{i}]"
        band = r.obj(item, path, ("min_age", "points"), required=("min_age", "points")) or {}
        age = r.whole(band.get("min_age", _MISSING), f"{path}.min_age", 0, 130)
        points = r.number(band.get("points", _MISSING), f"{path}.points")
        if age is not None and previous is not None and age >= previous:
            r.bad(f"{path}.min_age", f"must be below the band before ({previous}): bands run "
                                     "from the oldest down and must not overlap")
        previous = age if age is not None else previous
        if age is not None and points is not None:
            bands.append(AgeBand(age, points))
    return tuple(bands)


def _rate(r: _Reader, value: object, name: str) -> Rate | None:
    never_key = ("never_reached_days",) if name == "since_contact" else ()
    section = r.obj(value, name, ("points_per_day", "cap", *never_key),
                    required=("points_per_day", "cap"))
    if section is None:
        return None
    why = "older claims and longer silences move a user up"
    per_day = r.number(section.get("points_per_day", _MISSING), f"{name}.points_per_day", why)
    cap = r.number(section.get("cap", _MISSING), f"{name}.cap", why)
    never = r.whole(section.get("never_reached_days", 30 if never_key else 0),
                    f"{name}.never_reached_days", 0, 3650)
    if per_day is None or cap is None or never is None:
        return None
    return Rate(per_day, cap, never)


def _outcome_points(r: _Reader, value: object) -> dict[str, float] | None:
    given = r.obj(value, "outcome_points", _OUTCOMES, unknown=_NOT_OUTCOME)
    found = {name: r.number(raw, f"outcome_points.{name}")
             for name, raw in (given or {}).items() if name in _OUTCOMES}
    return None if given is None or None in found.values() else found


def _cooldowns(r: _Reader, value: object) -> dict[str, int | str] | None:
    given = r.obj(value, "cooldowns", _OUTCOMES, unknown=_NOT_OUTCOME)
    if given is None:
        return None
    cooldowns: dict[str, int | str] = {}
    # Document order, then whatever is missing, so problems read top to bottom.
    for outcome in [*(o for o in given if o in _OUTCOMES), *(o for o in _OUTCOMES
                                                             if o not in given)]:
        path, raw = f"cooldowns.{outcome}", given.get(outcome, _MISSING)
        special = SPECIAL_COOLDOWNS.get(outcome)
        if raw is _MISSING:
            r.bad(path, "is required: every outcome needs a cool-down")
        elif special is not None and raw != special:
            r.bad(path, f"must be {special!r}: the disposition rules fix this outcome")
        elif special is None and isinstance(raw, str):
            r.bad(path, f"must be minutes (a whole number from 0 to {_MAX_COOLDOWN}); "
                        f"{_show(raw)} is not a duration this outcome can use")
        elif (minutes := special or r.whole(raw, path, 0, _MAX_COOLDOWN)) is not None:
            cooldowns[outcome] = minutes
    return cooldowns


def _adjustments(r: _Reader, value: object) -> tuple[Adjustment, ...] | None:
    if not isinstance(value, list):
        return r.bad("adjustments", "must be a list of {name, points, when}")
    found: list[Adjustment] = []
    for i, item in enumerate(value):
        path = f"adjustments[{i}]"
        data = r.obj(item, path, ("name", "points", "when"), required=("name", "points")) or {}
        name = data.get("name", _MISSING)
        if name is not _MISSING and (not isinstance(name, str) or not name.strip()
                                     or len(name) > 100):
            r.bad(f"{path}.name", "must be text of 1 to 100 characters")
        points = r.number(data.get("points", _MISSING), f"{path}.points")
        when = _when(r, data.get("when", {}), f"{path}.when") if data else None
        if isinstance(name, str) and points is not None and when is not None:
            found.append(Adjustment(name.strip(), points, **when))
    return tuple(found)


def _when(r: _Reader, value: object, path: str) -> dict | None:
    given = r.obj(value, path, _WHEN)
    if given is None:
        return None
    before = len(r.problems)
    readers = {
        "days_of_month": lambda v, p: _each(r, v, p, lambda x, q: r.whole(x, q, 1, 31)),
        "date_from": lambda v, p: _date(r, v, p),
        "date_to": lambda v, p: _date(r, v, p),
        "weekdays": lambda v, p: _each(r, v, p, lambda x, q: r.whole(x, q, 0, 6)),
        "postcode_areas": lambda v, p: _each(r, v, p, lambda x, q: _area(r, x, q)),
    }
    when = {key: read(given[key], f"{path}.{key}") if key in given else None
            for key, read in readers.items()}
    start, end = when["date_from"], when["date_to"]
    if start and end and start > end:
        r.bad(f"{path}.date_from", f"is after date_to ({end.isoformat()})")
    return when if len(r.problems) == before else None


def _each(r: _Reader, value: object, path: str, read: Callable[[object, str], object]
          ) -> frozenset | None:
    """A non-empty list, each item read on its own path (``[j]``)."""
    if not isinstance(value, list) or not value:
        return r.bad(path, f"must be a non-empty list, got {_show(value)}")
    return frozenset(found for j, item in enumerate(value)
                     if (found := read(item, f"{path}[{j}]")) is not None)


def _date(r: _Reader, value: object, path: str) -> date | None:
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    return r.bad(path, f"must be a date as YYYY-MM-DD, got {_show(value)}")


def _area(r: _Reader, value: object, path: str) -> str | None:
    if isinstance(value, str) and _AREA.fullmatch(value.strip()):
        return value.strip().upper()
    return r.bad(path, f"must be a postcode area of one or two letters like \"LS\" or \"M\", "
                       f"got {_show(value)}")
