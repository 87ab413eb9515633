"""User-context sources read straight from the replica and PostgreSQL (no request loaders)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from infrastructure.postgres.unit_of_work import SqlUnitOfWork
from infrastructure.replica.reader import ReplicaReader
from service_layer.user_contexts import ContextSources


class DirectContextSources(ContextSources):
    def __init__(self, replica: ReplicaReader, uow: Callable[[], SqlUnitOfWork]):
        self.replica, self.uow = replica, uow

    async def users(self, ids: Sequence[int]):
        found = await self.replica.users(ids)
        return [found.get(i) for i in ids]

    async def call_scores(self, ids: Sequence[int]):
        async with self.uow() as uow:
            found = await uow.call_scores.get_many(ids)
        return [found.get(i) for i in ids]

    async def addresses(self, ids: Sequence[str]):
        found = await self.replica.addresses(ids) if ids else {}
        return [found.get(i) for i in ids]

    async def claims(self, user_ids: Sequence[int]):
        found = await self.replica.claims_by_user(user_ids) if user_ids else {}
        return [found.get(i, []) for i in user_ids]

    async def requirements(self, claim_ids: Sequence[int]):
        found = await self.replica.requirements_by_claim(claim_ids) if claim_ids else {}
        return [found.get(i, []) for i in claim_ids]

    async def packages(self, claim_ids: Sequence[int]):
        found = await self.replica.vehicle_packages_by_claim(claim_ids) if claim_ids else {}
        return [found.get(i, []) for i in claim_ids]
