"""ReplicaCensus on the replica database."""

from __future__ import annotations

from dataclasses import dataclass

from domain.sync.ports import ReplicaCensus
from infrastructure.replica.database import ReplicaDatabase


@dataclass(frozen=True, slots=True)
class ReplicaUserCensus(ReplicaCensus):
    db: ReplicaDatabase

    async def user_count(self) -> int:
        return int((await self.db.fetch("SELECT COUNT(*) FROM users"))[0][0])
