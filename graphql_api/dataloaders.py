"""Per-request DataLoaders: one class per key, results in key order, None for misses."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader

from domain.agents.model import Agent
from domain.scoring.model import CallScore
from domain.users.context import ScoredUserContext
from domain.users.model import Address, Claim, Requirement, User, VehiclePackage
from infrastructure.bootstrap import Services
from service_layer.user_contexts import ContextSources, assemble_contexts

K = TypeVar("K")
V = TypeVar("V")


class Loader(DataLoader[K, V]):
    """A DataLoader that also takes a large set of keys known up front (a queue page) in
    one call of its batch function: no future, task and callback per key."""

    async def many(self, keys: Sequence[K]) -> list[V]:
        found: dict = {}
        missing = []
        for key in dict.fromkeys(keys):
            future = self.cache_map.get(key)
            if future is not None and future.done() and future.exception() is None:
                found[key] = future.result()
            else:
                missing.append(key)
        if missing:
            loaded = dict(zip(missing, await self.load_fn(missing), strict=True))
            self.prime_many(loaded)
            found.update(loaded)
        return [found[key] for key in keys]


class UserByIdLoader(Loader[int, User | None]):
    def __init__(self, services: Services):
        super().__init__(load_fn=self._load)
        self._reader = services.replica

    async def _load(self, keys: Sequence[int]) -> list[User | None]:
        found = await self._reader.users(keys)
        return [found.get(k) for k in keys]


class AddressByIdLoader(Loader[str, Address | None]):
    def __init__(self, services: Services):
        super().__init__(load_fn=self._load)
        self._reader = services.replica

    async def _load(self, keys: Sequence[str]) -> list[Address | None]:
        found = await self._reader.addresses(keys)
        return [found.get(k) for k in keys]


class ClaimsByUserIdLoader(Loader[int, list[Claim]]):
    def __init__(self, services: Services):
        super().__init__(load_fn=self._load)
        self._reader = services.replica

    async def _load(self, keys: Sequence[int]) -> list[list[Claim]]:
        found = await self._reader.claims_by_user(keys)
        return [found.get(k, []) for k in keys]


class RequirementsByClaimIdLoader(Loader[int, list[Requirement]]):
    def __init__(self, services: Services):
        super().__init__(load_fn=self._load)
        self._reader = services.replica

    async def _load(self, keys: Sequence[int]) -> list[list[Requirement]]:
        found = await self._reader.requirements_by_claim(keys)
        return [found.get(k, []) for k in keys]


class VehiclePackagesByClaimIdLoader(Loader[int, list[VehiclePackage]]):
    def __init__(self, services: Services):
        super().__init__(load_fn=self._load)
        self._reader = services.replica

    async def _load(self, keys: Sequence[int]) -> list[list[VehiclePackage]]:
        found = await self._reader.vehicle_packages_by_claim(keys)
        return [found.get(k, []) for k in keys]


class RequirementsByUserIdLoader(Loader[int, list[Requirement]]):
    """All the requirements of a user's claims (a page's, read beside its claims)."""

    def __init__(self, services: Services):
        super().__init__(load_fn=self._load)
        self._reader = services.replica

    async def _load(self, keys: Sequence[int]) -> list[list[Requirement]]:
        found = await self._reader.requirements_by_user(keys)
        return [found.get(k, []) for k in keys]


class VehiclePackagesByUserIdLoader(Loader[int, list[VehiclePackage]]):
    """All the vehicle packages of a user's claims (a page's, read beside its claims)."""

    def __init__(self, services: Services):
        super().__init__(load_fn=self._load)
        self._reader = services.replica

    async def _load(self, keys: Sequence[int]) -> list[list[VehiclePackage]]:
        found = await self._reader.vehicle_packages_by_user(keys)
        return [found.get(k, []) for k in keys]


class CallScoreByUserIdLoader(DataLoader[int, CallScore | None]):
    def __init__(self, services: Services):
        super().__init__(load_fn=self._load)
        self._uow = services.uow

    async def _load(self, keys: Sequence[int]) -> list[CallScore | None]:
        async with self._uow() as uow:
            found = await uow.call_scores.get_many(keys)
        return [found.get(k) for k in keys]


class AgentByIdLoader(DataLoader[uuid.UUID, Agent | None]):
    def __init__(self, services: Services):
        super().__init__(load_fn=self._load)
        self._uow = services.uow

    async def _load(self, keys: Sequence[uuid.UUID]) -> list[Agent | None]:
        async with self._uow() as uow:
            found = await uow.agents.get_many(keys)
        return [found.get(k) for k in keys]


class WorkedOnLoader(Loader[tuple[uuid.UUID, int], bool]):
    """Whether an agent works on a user right now, by (agent, user): one statement per
    agent asking (a request has one)."""

    def __init__(self, services: Services):
        super().__init__(load_fn=self._load)
        self._ties, self._rule, self._clock = (services.work_ties, services.access_rule,
                                               services.clock)

    async def _load(self, keys: Sequence[tuple[uuid.UUID, int]]) -> list[bool]:
        now = self._clock()
        since = self._rule.records_since(now)
        by_agent: dict[uuid.UUID, list[int]] = {}
        for agent_id, user_id in keys:
            by_agent.setdefault(agent_id, []).append(user_id)
        worked_on = {(agent_id, user_id)
                     for agent_id, users in by_agent.items()
                     for user_id in self._rule.worked_on(
                         await self._ties.of_agent(agent_id, users, since), now)}
        return [key in worked_on for key in keys]


class UserContextByUserIdLoader(DataLoader[int, ScoredUserContext | None]):
    """Whole contexts from the cache; misses assembled from the loaders above and cached."""

    def __init__(self, services: Services, loaders: Loaders):
        super().__init__(load_fn=self._load)
        self._cache, self._loaders = services.user_context_cache, loaders

    async def _load(self, keys: Sequence[int]) -> list[ScoredUserContext | None]:
        found = await self._cache.get_many(keys)
        missing = [k for k in keys if k not in found]
        if missing:
            built = await self._assemble(missing)
            await self._cache.put_many(built)
            found.update(built)
        return [found.get(k) for k in keys]

    async def _assemble(self, user_ids: list[int]) -> dict[int, ScoredUserContext]:
        return await assemble_contexts(_LoaderSources(self._loaders), user_ids)


class _LoaderSources(ContextSources):
    """The request's loaders as context sources: reads shared with the rest of the request."""

    def __init__(self, loaders: Loaders):
        self.loaders = loaders

    async def users(self, ids):
        return await self.loaders.user.load_many(ids)

    async def call_scores(self, ids):
        return await self.loaders.call_score.load_many(ids)

    async def addresses(self, ids):
        return await self.loaders.address.load_many(ids)

    async def claims(self, user_ids):
        return await self.loaders.claims_by_user.load_many(user_ids)

    async def requirements(self, claim_ids):
        return await self.loaders.requirements_by_claim.load_many(claim_ids)

    async def packages(self, claim_ids):
        return await self.loaders.packages_by_claim.load_many(claim_ids)


class Loaders:
    """The loaders of one request (or one subscription event); never shared."""

    def __init__(self, services: Services):
        self.user = UserByIdLoader(services)
        self.address = AddressByIdLoader(services)
        self.claims_by_user = ClaimsByUserIdLoader(services)
        self.requirements_by_claim = RequirementsByClaimIdLoader(services)
        self.packages_by_claim = VehiclePackagesByClaimIdLoader(services)
        self.requirements_by_user = RequirementsByUserIdLoader(services)
        self.packages_by_user = VehiclePackagesByUserIdLoader(services)
        self.call_score = CallScoreByUserIdLoader(services)
        self.agent = AgentByIdLoader(services)
        self.worked_on = WorkedOnLoader(services)
        # Users the asker took a lease of in this request: worked on, without a statement.
        self.granted: set[int] = set()
        self.user_context = UserContextByUserIdLoader(services, self)

    def clear(self) -> None:
        """Forgets all that was loaded (the loaders refer to themselves and to each other,
        so letting go of them leaves that to the cyclic collector)."""
        for loader in vars(self).values():
            if isinstance(loader, DataLoader):
                loader.clear_all()
