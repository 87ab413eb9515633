"""Conversion rates per segment and per agent, shrunk (domain.learning.shrinkage).

A segment is age band × postcode area × lender × queue; an agent's rate is per queue and
lender, against the team's for the same queue and lender.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass

from domain.learning.shrinkage import Rate, pooled, prior_strength, shrunk

Counts = tuple[int, int]  # (converted, worked)


def shrunk_groups(groups: Mapping[Hashable, Counts]) -> dict[Hashable, Rate]:
    """Each group's rate toward all of them together."""
    centre = pooled(list(groups.values()))
    strength = prior_strength(list(groups.values()), centre)
    return {key: shrunk(s, n, centre, strength) for key, (s, n) in groups.items()}


@dataclass(frozen=True, slots=True)
class AgentRate:
    agent: Rate
    team: Rate

    @property
    def lift(self) -> float:
        """How many times the team's rate the agent converts at (1.0: the same)."""
        return self.agent.estimate / self.team.estimate if self.team.estimate else 1.0


def learn_agents(worked: Mapping[tuple[str, str, str], Counts]
                 ) -> dict[tuple[str, str, str], AgentRate]:
    """``worked``: (agent, queue, lender) → (converted, worked). Each agent's rate per queue
    and lender, shrunk toward the team's for that queue and lender."""
    by_cell: dict[tuple[str, str], dict[str, Counts]] = {}
    for (agent, queue, lender), counts in worked.items():
        by_cell.setdefault((queue, lender), {})[agent] = counts
    found = {}
    for (queue, lender), agents in by_cell.items():
        team = shrunk(sum(s for s, _ in agents.values()), sum(n for _, n in agents.values()),
                      pooled(list(agents.values())), 0.0)
        for agent, rate in shrunk_groups(agents).items():
            found[(agent, queue, lender)] = AgentRate(rate, team)
    return found
