"""queueFlow: how soon users who joined a queue were reached, and converted.

A *join* is a queue event that puts the user in the queue (ADDED, or MOVED into it); each
user counts once per queue, from their first join in the period. Their *first contact*
is their first disposition with a contact outcome (domain.analytics.figures) at or after
that join, their *conversion* the first row of ``conversions`` at or after it, whenever
either came (after the period too). Seconds are medians and 90th percentiles over the
users who have one (interpolated, as ``percentile_cont``); None when nobody has.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from domain.queue.model import QueueType


@dataclass(frozen=True, slots=True)
class QueueFlow:
    queue_type: QueueType
    joined: int  # distinct users
    median_seconds_to_first_contact: float | None = None
    p90_seconds_to_first_contact: float | None = None
    median_seconds_to_conversion: float | None = None


def every_queue(found: Iterable[QueueFlow]) -> list[QueueFlow]:
    """One per queue type, in QueueType's order; a queue nobody joined has 0 and None."""
    by_queue = {f.queue_type: f for f in found}
    return [by_queue.get(q, QueueFlow(q, 0)) for q in QueueType]
