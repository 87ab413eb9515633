"""A snapshot's rate tables as rows of learned_conversions, learned_queue_conversions,
learned_agents and learned_spacing (infrastructure.postgres.learning_tables)."""

from __future__ import annotations

from collections.abc import Iterator

from domain.learning.shrinkage import Rate
from domain.learning.snapshot import Learned

_RATE = ("converted", "worked", "estimate", "confidence")


def _rate(r: Rate) -> tuple:
    return r.successes, r.trials, r.estimate, r.confidence


def rate_tables(learned: Learned) -> Iterator[tuple[str, list[str], list[tuple]]]:
    """(table, columns after snapshot_id, rows) for each of the four tables."""
    rates = learned.conversions
    yield ("learned_conversions", ["age_band", "area", "lender", "queue_type", *_RATE],
           [(*key, *_rate(r)) for key, r in rates.segments.items()])
    yield ("learned_queue_conversions", ["queue_type", *_RATE],
           [(queue, *_rate(r)) for queue, r in rates.queues.items()])
    yield ("learned_agents", ["agent_id", "queue_type", "lender", *_RATE, "team_estimate"],
           [(*key, *_rate(a.agent), a.team.estimate) for key, a in learned.agents.items()])
    yield ("learned_spacing", ["gap", "calls", "contacts", "expected", "ratio", "confidence"],
           [(g.gap, g.calls, g.contacts, g.expected, g.ratio, g.confidence)
            for g in learned.spacing.values()])
