"""Checking a rule set document: every problem, each with its path."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.calls.outcomes import CallOutcome


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    message: str


_OUTCOMES = {o.value for o in CallOutcome}
_SPECIAL = ("callback", "until_phone_changes", "until_claims_change", "never")
_SECTIONS = ("lenders", "age_bands", "claim_age", "since_contact", "outcome_points",
             "failed_attempt_points", "cooldowns", "adjustments")
_WHEN = ("days_of_month", "date_from", "date_to", "weekdays", "postcode_areas")


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def bad(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def number(self, data: dict, key: str, path: str, sign: int = 0) -> None:
        if key not in data:
            return self.bad(f"{path}.{key}", "is required")
        value = data[key]
        if not _number(value):
            return self.bad(f"{path}.{key}", f"must be a number, got {value!r}")
        if sign < 0 and value > 0:
            self.bad(f"{path}.{key}", "must be zero or negative (it pulls users forward)")

    def mapping(self, value: object, path: str) -> dict | None:
        if not isinstance(value, dict):
            self.bad(path, "must be an object")
            return None
        return value


def check_document(document: object) -> list[Problem]:
    c = _Checker()
    doc = c.mapping(document, "$")
    if doc is None:
        return c.problems
    for key in doc:
        if key not in _SECTIONS:
            c.bad(key, "is not a rule set section")
    for key in _SECTIONS:
        if key not in doc and key != "adjustments":
            c.bad(key, "is required")
    _lenders(c, doc.get("lenders"))
    _age_bands(c, doc.get("age_bands"))
    for name in ("claim_age", "since_contact"):
        section = c.mapping(doc.get(name), name) if name in doc else None
        if section is not None:
            c.number(section, "points_per_day", name, sign=-1)
            c.number(section, "cap", name, sign=-1)
    _outcomes(c, doc.get("outcome_points"), doc.get("cooldowns"))
    if "failed_attempt_points" in doc:
        c.number(doc, "failed_attempt_points", "$")
    _adjustments(c, doc.get("adjustments", []))
    return c.problems


def _lenders(c: _Checker, value: object) -> None:
    lenders = c.mapping(value, "lenders") if value is not None else None
    if lenders is None:
        return
    points = c.mapping(lenders.get("points", {}), "lenders.points") or {}
    for name, p in points.items():
        if not _number(p):
            c.bad(f"lenders.points.{name}", f"must be a number, got {p!r}")
    if "default" in lenders and not _number(lenders["default"]):
        c.bad("lenders.default", "must be a number")
    known = {str(k).casefold() for k in points}
    for alias, target in (c.mapping(lenders.get("aliases", {}), "lenders.aliases") or {}).items():
        if not isinstance(target, str) or target.casefold() not in known:
            c.bad(f"lenders.aliases.{alias}", f"points at {target!r}, which has no points entry")


def _age_bands(c: _Checker, value: object) -> None:
    if value is None:
        return
    if not isinstance(value, list):
        return c.bad("age_bands", "must be a list")
    seen: set = set()
    for i, band in enumerate(value):
        path = f"age_bands[{i}]"
        if c.mapping(band, path) is None:
            continue
        age = band.get("min_age")
        if not isinstance(age, int) or isinstance(age, bool) or not 0 <= age <= 130:
            c.bad(f"{path}.min_age", "must be a whole number of years, 0 to 130")
        elif age in seen:
            c.bad(f"{path}.min_age", f"{age} appears in two bands")
        else:
            seen.add(age)
        c.number(band, "points", path)


def _outcomes(c: _Checker, points: object, cooldowns: object) -> None:
    for name, value in (c.mapping(points, "outcome_points") or {}).items() if points is not None \
            else ():
        if name not in _OUTCOMES:
            c.bad(f"outcome_points.{name}", "is not a call outcome")
        elif not _number(value):
            c.bad(f"outcome_points.{name}", "must be a number")
    for name, value in (c.mapping(cooldowns, "cooldowns") or {}).items() if cooldowns is not None \
            else ():
        if name not in _OUTCOMES:
            c.bad(f"cooldowns.{name}", "is not a call outcome")
        elif not (isinstance(value, int) and not isinstance(value, bool) and value >= 0) \
                and value not in _SPECIAL:
            c.bad(f"cooldowns.{name}",
                  f"must be minutes (a whole number >= 0) or one of {', '.join(_SPECIAL)}")


def _adjustments(c: _Checker, value: object) -> None:
    if not isinstance(value, list):
        return c.bad("adjustments", "must be a list")
    for i, item in enumerate(value):
        path = f"adjustments[{i}]"
        if c.mapping(item, path) is None:
            continue
        if not isinstance(item.get("name"), str) or not item["name"].strip():
            c.bad(f"{path}.name", "is required")
        c.number(item, "points", path)
        when = c.mapping(item.get("when", {}), f"{path}.when") or {}
        _when(c, when, f"{path}.when")


def _when(c: _Checker, when: dict, path: str) -> None:
    for key in when:
        if key not in _WHEN:
            c.bad(f"{path}.{key}", f"is not a condition (use {', '.join(_WHEN)})")
    ranges = {"days_of_month": range(1, 32), "weekdays": range(7)}
    for key, allowed in ranges.items():
        if key in when and (not isinstance(when[key], list)
                            or not all(isinstance(d, int) and d in allowed for d in when[key])):
            c.bad(f"{path}.{key}", f"must be a list of whole numbers {allowed.start} to "
                                   f"{allowed.stop - 1}")
    dates = {}
    for key in ("date_from", "date_to"):
        if key in when:
            try:
                dates[key] = date.fromisoformat(str(when[key]))
            except ValueError:
                c.bad(f"{path}.{key}", f"must be an ISO date (YYYY-MM-DD), got {when[key]!r}")
    if len(dates) == 2 and dates["date_from"] > dates["date_to"]:
        c.bad(f"{path}.date_from", "is after date_to")
    if "postcode_areas" in when and (not isinstance(when["postcode_areas"], list) or not all(
            isinstance(a, str) and a.strip().isalpha() and len(a.strip()) <= 2
            for a in when["postcode_areas"])):
        c.bad(f"{path}.postcode_areas", "must be a list of postcode areas like \"LS\" or \"M\"")
