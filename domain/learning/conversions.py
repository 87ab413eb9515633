"""Conversion rates per segment and per agent, shrunk (domain.learning.shrinkage).

A segment is age band × postcode area × lender × queue, shrunk toward everyone in its
queue; an agent's rate is per queue and lender, against the team's for the same queue and
lender.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

from domain.learning.shrinkage import Rate, pooled, prior_strength, shrunk
from domain.scoring.habits import SegmentKey  # (age band, postcode area, lender, queue)

Counts = tuple[int, int]  # (converted, worked)
AgentKey = tuple[Hashable, str, str]  # (agent id, queue type, lender)


@dataclass(frozen=True, slots=True)
class ConversionCounts:
    """Users worked and converted, per segment in a queue and per agent (queue, lender)."""

    segments: dict[SegmentKey, Counts] = field(default_factory=dict)
    agents: dict[AgentKey, Counts] = field(default_factory=dict)


def shrunk_groups(groups: Mapping[Hashable, Counts]) -> dict[Hashable, Rate]:
    """Each group's rate toward all of them together."""
    centre = pooled(list(groups.values()))
    strength = prior_strength(list(groups.values()), centre)
    return {key: shrunk(s, n, centre, strength) for key, (s, n) in groups.items()}


def everyone(groups: Mapping[Hashable, Counts]) -> Rate:
    """All the groups together, unshrunk: the pool they are shrunk toward."""
    converted, worked = sum(s for s, _ in groups.values()), sum(n for _, n in groups.values())
    return shrunk(converted, worked, pooled(list(groups.values())), 0.0)


@dataclass(frozen=True, slots=True)
class SegmentRates:
    segments: dict[SegmentKey, Rate]  # each toward its queue's
    queues: dict[str, Rate]  # everyone's in each queue


def learn_segments(worked: Mapping[SegmentKey, Counts]) -> SegmentRates:
    """Each segment's rate, shrunk toward everyone's in its queue (each queue on its own:
    queues convert differently, so one queue's segments never pull another's)."""
    by_queue: dict[str, dict[SegmentKey, Counts]] = {}
    for key, counts in worked.items():
        by_queue.setdefault(key[3], {})[key] = counts
    segments: dict[SegmentKey, Rate] = {}
    for groups in by_queue.values():
        segments |= shrunk_groups(groups)
    return SegmentRates(segments, {q: everyone(g) for q, g in by_queue.items()})


@dataclass(frozen=True, slots=True)
class AgentRate:
    agent: Rate
    team: Rate

    @property
    def lift(self) -> float:
        """How many times the team's rate the agent converts at (1.0: the same)."""
        return self.agent.estimate / self.team.estimate if self.team.estimate else 1.0


def learn_agents(worked: Mapping[AgentKey, Counts]) -> dict[AgentKey, AgentRate]:
    """``worked``: (agent, queue, lender) → (converted, worked). Each agent's rate per queue
    and lender, shrunk toward the team's for that queue and lender."""
    by_cell: dict[tuple[str, str], dict[Hashable, Counts]] = {}
    for (agent, queue, lender), counts in worked.items():
        by_cell.setdefault((queue, lender), {})[agent] = counts
    found = {}
    for (queue, lender), agents in by_cell.items():
        team = everyone(agents)
        for agent, rate in shrunk_groups(agents).items():
            found[(agent, queue, lender)] = AgentRate(rate, team)
    return found
