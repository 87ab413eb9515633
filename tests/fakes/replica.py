"""The replica facts port, served from a dict of facts per user."""

from __future__ import annotations

import dataclasses

from domain.queue.facts import ReplicaFacts
from domain.queue.ports import Keys, ReplicaFactsSource


class FakeReplica(ReplicaFactsSource):
    def __init__(self, *facts: ReplicaFacts) -> None:
        self.facts: dict[int, ReplicaFacts] = {f.user_id: f for f in facts}
        self.reads: list[Keys] = []

    def put(self, *facts: ReplicaFacts) -> None:
        self.facts.update({f.user_id: f for f in facts})

    async def id_bounds(self) -> tuple[int, int] | None:
        return (min(self.facts), max(self.facts)) if self.facts else None

    async def for_keys(self, keys: Keys, pending: dict[int, int] | None = None
                       ) -> dict[int, ReplicaFacts]:
        self.reads.append(keys)
        if keys.ids is not None:
            chosen = [u for u in keys.ids if u in self.facts]
        else:
            chosen = [u for u in sorted(self.facts) if keys.low <= u <= keys.high]
        found = {u: self.facts[u] for u in chosen}
        if pending is None:
            return found
        # As the adapter: the counts handed in stand for the replica's (absent: none).
        return {u: dataclasses.replace(f, pending_requirements=pending.get(u, 0))
                for u, f in found.items()}

    async def pending_by_user(self) -> dict[int, int]:
        return {u: f.pending_requirements for u, f in self.facts.items()
                if f.pending_requirements}
