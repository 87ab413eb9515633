"""Reading a rule-set document: each read checks one value and names its path when bad."""

from __future__ import annotations

import math
from reprlib import repr as show  # a short repr: long values would swamp the message

from domain.scoring.problems import Problem

MAX_POINTS = 1_000_000  # far beyond any sane rule; keeps floats and timedeltas finite
MISSING = object()


class Reader:
    """Collects problems; each read returns the parsed value, or None when it was bad."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def bad(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def obj(self, value: object, path: str, keys: tuple[str, ...] | None = None,
            required: tuple[str, ...] = (), unknown: str = "") -> dict | None:
        """An object; with ``keys``, any other key is a problem; missing ``required`` too."""
        if value is MISSING:
            return None  # the parent has already said it is required
        if not isinstance(value, dict):
            return self.bad(path, f"must be an object, got {show(value)}")
        prefix = "" if path == "$" else f"{path}."
        for key in value:
            if keys is not None and key not in keys:
                self.bad(f"{prefix}{key}", unknown or f"is not expected here (expected "
                                                      f"{', '.join(keys)})")
        for key in required:
            if key not in value:
                self.bad(f"{prefix}{key}", "is required")
        return value

    def number(self, value: object, path: str, not_positive: str = "") -> float | None:
        if value is MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            return self.bad(path, f"must be a number, got {show(value)}")
        if isinstance(value, float) and not math.isfinite(value) or abs(value) > MAX_POINTS:
            return self.bad(path, f"must be a finite number from {-MAX_POINTS} to "
                                  f"{MAX_POINTS}")
        if not_positive and value > 0:
            return self.bad(path, f"must be zero or negative: {not_positive}")
        return float(value)

    def whole(self, value: object, path: str, low: int, high: int) -> int | None:
        if value is MISSING:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # 65.0 from a JSON client means 65
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            return self.bad(path, f"must be a whole number from {low} to {high}, "
                                  f"got {show(value)}")
        return value
