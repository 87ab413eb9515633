"""Reconciliation: a full sweep now and then, and in between only what changed.

The replica's rows carry ``updated_at``. A pass reads the users whose rows changed since
the watermark (less a margin for clock skew and transactions that committed late) and
recomputes them; a full sweep, which also catches deleted rows, rebuilds everyone. The
watermark moves only to the latest change a pass has read (a full sweep: to the latest
change before it began reading), so it never passes a row it has not read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class ReconcileState:
    """What the last finished reconciliations left: the watermark and the last full one."""

    watermark: datetime | None = None
    last_full: datetime | None = None


@dataclass(frozen=True, slots=True)
class ReconcilePlan:
    full: bool
    read_since: datetime | None = None  # incremental: rows changed at or after this


def plan(state: ReconcileState, now: datetime, full_every: timedelta,
         margin: timedelta, *, by_hand: bool = False) -> ReconcilePlan:
    """A full sweep when run by hand, when none finished within ``full_every`` or when no
    watermark is known; else the rows changed since the watermark less the margin."""
    if (by_hand or state.watermark is None or state.last_full is None
            or now - state.last_full >= full_every):
        return ReconcilePlan(full=True)
    return ReconcilePlan(full=False, read_since=state.watermark - margin)


def advanced(watermark: datetime | None, seen: datetime | None) -> datetime | None:
    """The watermark after a pass that read changes up to ``seen``: never backwards."""
    if seen is None:
        return watermark
    return seen if watermark is None else max(watermark, seen)
