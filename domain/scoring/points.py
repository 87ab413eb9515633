"""Points as every factor counts them: whole hundredths, one rounding, one way of showing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

_CENT = Decimal("0.01")
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Part:
    name: str
    points: Decimal
    reason: Callable[[], str]  # formatted only when asked for: rebuilds need just the points


@lru_cache(maxsize=4096)  # rule values repeat for every user: round each once
def points(value: float) -> Decimal:
    """Whole hundredths, halves away from zero: the one rounding every figure goes through."""
    return Decimal(repr(value)).quantize(_CENT, ROUND_HALF_UP)


def as_float(value: Decimal) -> float:
    return float(value) + 0.0  # + 0.0 turns -0.0 into 0.0


def show(points: Decimal) -> str:
    return "0" if points == 0 else f"{points.normalize():+f}"
