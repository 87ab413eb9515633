"""The replica facts port, served from a dict of facts per user."""

from __future__ import annotations

import dataclasses

from domain.queue.facts import ReplicaFacts
from domain.queue.ports import FactsRead, Keys, PendingCounts, ReplicaFactsSource


class FakeReplica(ReplicaFactsSource):
    """A user's pending requirements hang off their first claim (none without a claim, as
    in the replica); a digest is the hash of the facts, which changes when they do."""

    def __init__(self, *facts: ReplicaFacts) -> None:
        self.facts: dict[int, ReplicaFacts] = {f.user_id: f for f in facts}
        self.reads: list[Keys] = []

    def put(self, *facts: ReplicaFacts) -> None:
        self.facts.update({f.user_id: f for f in facts})

    async def id_bounds(self) -> tuple[int, int] | None:
        return (min(self.facts), max(self.facts)) if self.facts else None

    async def read(self, keys: Keys, pending: PendingCounts | None = None) -> FactsRead:
        self.reads.append(keys)
        found = {u: self._with(self.facts[u], pending) for u in self._chosen(keys)}
        return FactsRead(found, {u: hash(f) for u, f in found.items()})

    async def digests(self, keys: Keys, pending: PendingCounts) -> dict[int, int]:
        return {u: hash(self._with(self.facts[u], pending)) for u in self._chosen(keys)}

    async def pending_counts(self) -> PendingCounts:
        return PendingCounts({f.claim_keys[0][0]: f.pending_requirements
                              for f in self.facts.values()
                              if f.pending_requirements and f.claim_keys})

    def _chosen(self, keys: Keys) -> list[int]:
        if keys.ids is not None:
            return [u for u in keys.ids if u in self.facts]
        return [u for u in sorted(self.facts) if keys.low <= u <= keys.high]

    @staticmethod
    def _with(facts: ReplicaFacts, pending: PendingCounts | None) -> ReplicaFacts:
        """As the adapter: the counts handed in stand for the replica's (absent: none)."""
        if pending is None:
            return facts
        count = sum(pending.by_claim.get(claim_id, 0) for claim_id, _ in facts.claim_keys)
        return dataclasses.replace(facts, pending_requirements=count)
