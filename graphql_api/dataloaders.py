"""Per-request DataLoaders: one class per key, results in key order, a miss None (or no rows)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader

from domain.agents.model import Agent
from domain.learning.profile import ContactProfile
from domain.learning.snapshot import UserFacts
from domain.scoring.model import CallScore
from domain.users.context import ScoredUserContext
from domain.users.model import Address, Claim, Requirement, User, VehiclePackage
from infrastructure.bootstrap import Services
from service_layer.user_contexts import ContextSources, assemble_contexts

K = TypeVar("K")
V = TypeVar("V")
R = TypeVar("R")
AgentUser = tuple[uuid.UUID, int]


class Loader(DataLoader[K, V]):
    """The one loader base: a subclass says how to ``fetch`` a batch of keys (what was found,
    by key) and, through ``absent``, what a key with nothing loads as."""

    def __init__(self, services: Services):
        super().__init__(load_fn=self._load)
        self.services = services

    async def fetch(self, keys: Sequence[K]) -> Mapping[K, V]:
        raise NotImplementedError

    def absent(self) -> V | None:
        return None

    async def _load(self, keys: Sequence[K]) -> list[V | None]:
        found, absent = await self.fetch(keys), self.absent
        return [found[k] if k in found else absent() for k in keys]

    async def many(self, keys: Sequence[K]) -> list[V | None]:
        """Takes a large set of keys known up front (a queue page) in one call of the batch
        function: no future, task and callback per key."""
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


class RowsLoader(Loader[K, list[R]]):
    """A loader of the rows each key has: a key with none loads as an empty list."""

    def absent(self) -> list[R]:
        return []


class UserByIdLoader(Loader[int, User]):
    async def fetch(self, keys: Sequence[int]) -> Mapping[int, User]:
        return await self.services.replica.users(keys)


class AddressByIdLoader(Loader[str, Address]):
    async def fetch(self, keys: Sequence[str]) -> Mapping[str, Address]:
        return await self.services.replica.addresses(keys)


class ClaimsByUserIdLoader(RowsLoader[int, Claim]):
    async def fetch(self, keys: Sequence[int]) -> Mapping[int, list[Claim]]:
        return await self.services.replica.claims_by_user(keys)


class RequirementsByClaimIdLoader(RowsLoader[int, Requirement]):
    async def fetch(self, keys: Sequence[int]) -> Mapping[int, list[Requirement]]:
        return await self.services.replica.requirements_by_claim(keys)


class VehiclePackagesByClaimIdLoader(RowsLoader[int, VehiclePackage]):
    async def fetch(self, keys: Sequence[int]) -> Mapping[int, list[VehiclePackage]]:
        return await self.services.replica.vehicle_packages_by_claim(keys)


class RequirementsByUserIdLoader(RowsLoader[int, Requirement]):
    """All the requirements of a user's claims (a page's, read beside its claims)."""

    async def fetch(self, keys: Sequence[int]) -> Mapping[int, list[Requirement]]:
        return await self.services.replica.requirements_by_user(keys)


class VehiclePackagesByUserIdLoader(RowsLoader[int, VehiclePackage]):
    """All the vehicle packages of a user's claims (a page's, read beside its claims)."""

    async def fetch(self, keys: Sequence[int]) -> Mapping[int, list[VehiclePackage]]:
        return await self.services.replica.vehicle_packages_by_user(keys)


class CallScoreByUserIdLoader(Loader[int, CallScore]):
    async def fetch(self, keys: Sequence[int]) -> Mapping[int, CallScore]:
        async with self.services.uow() as uow:
            return await uow.call_scores.get_many(keys)


class AgentByIdLoader(Loader[uuid.UUID, Agent]):
    async def fetch(self, keys: Sequence[uuid.UUID]) -> Mapping[uuid.UUID, Agent]:
        async with self.services.uow() as uow:
            return await uow.agents.get_many(keys)


class WorkedOnLoader(Loader[AgentUser, bool]):
    """Whether an agent works on a user right now, by (agent, user): one statement per
    agent asking (a request has one)."""

    async def fetch(self, keys: Sequence[AgentUser]) -> Mapping[AgentUser, bool]:
        ties, rule = self.services.work_ties, self.services.access_rule
        now = self.services.clock()
        since = rule.records_since(now)
        by_agent: dict[uuid.UUID, list[int]] = {}
        for agent_id, user_id in keys:
            by_agent.setdefault(agent_id, []).append(user_id)
        return {(agent_id, user_id): True
                for agent_id, users in by_agent.items()
                for user_id in rule.worked_on(await ties.of_agent(agent_id, users, since), now)}

    def absent(self) -> bool:
        return False


class UserContextByUserIdLoader(Loader[int, ScoredUserContext]):
    """Whole contexts from the cache; misses assembled from the loaders above and cached."""

    def __init__(self, services: Services, loaders: Loaders):
        super().__init__(services)
        self._loaders = loaders

    async def fetch(self, keys: Sequence[int]) -> Mapping[int, ScoredUserContext]:
        cache = self.services.user_context_cache
        found = await cache.get_many(keys)
        missing = [k for k in keys if k not in found]
        if missing:
            built = await assemble_contexts(_LoaderSources(self._loaders), missing)
            await cache.put_many(built)
            found.update(built)
        return found


class ContactProfileByUserIdLoader(Loader[int, ContactProfile]):
    """Profiles in the active learning snapshot: one statement for the batch, after the
    replica's users and addresses (read through this request's loaders, shared with the
    rest of it) give each user's segment."""

    def __init__(self, services: Services, loaders: Loaders):
        super().__init__(services)
        self._loaders = loaders

    async def fetch(self, keys: Sequence[int]) -> Mapping[int, ContactProfile]:
        users = [u for u in await self._loaders.user.load_many(keys) if u is not None]
        at = [u.current_user_address_id for u in users if u.current_user_address_id]
        addresses = {a.id: a for a in await self._loaders.address.load_many(at) if a}
        facts = {}
        for user in users:
            address = addresses.get(user.current_user_address_id or "")
            facts[user.id] = UserFacts(user.date_of_birth, address and address.post_code)
        return await self.services.learned_habits.profiles(keys, facts)


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
        self.contact_profile = ContactProfileByUserIdLoader(services, self)

    def clear(self) -> None:
        """Forgets all that was loaded (the loaders refer to themselves and to each other,
        so letting go of them leaves that to the cyclic collector)."""
        for loader in vars(self).values():
            if isinstance(loader, Loader):
                loader.clear_all()
