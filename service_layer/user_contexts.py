"""Whole user contexts assembled in three round trips, for the API's loaders and cache warming."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol

from domain.scoring.model import CallScore
from domain.users.context import ScoredUserContext, build_context
from domain.users.model import Address, Claim, Requirement, User, VehiclePackage


class ContextSources(Protocol):
    """Each method answers in key order (None or [] for misses)."""

    async def users(self, ids: Sequence[int]) -> list[User | None]: ...
    async def call_scores(self, ids: Sequence[int]) -> list[CallScore | None]: ...
    async def addresses(self, ids: Sequence[str]) -> list[Address | None]: ...
    async def claims(self, user_ids: Sequence[int]) -> list[list[Claim]]: ...
    async def requirements(self, claim_ids: Sequence[int]) -> list[list[Requirement]]: ...
    async def packages(self, claim_ids: Sequence[int]) -> list[list[VehiclePackage]]: ...


async def assemble_contexts(sources: ContextSources, user_ids: Sequence[int]
                            ) -> dict[int, ScoredUserContext]:
    # Three round trips whatever the number of users: the reads of each step run together.
    users, scores = await asyncio.gather(sources.users(user_ids), sources.call_scores(user_ids))
    pairs = [(u, s) for u, s in zip(users, scores, strict=True) if u is not None]
    address_ids = [u.current_user_address_id for u, _ in pairs if u.current_user_address_id]
    addresses, claims = await asyncio.gather(
        sources.addresses(address_ids), sources.claims([u.id for u, _ in pairs]))
    claim_ids = [c.id for user_claims in claims for c in user_claims]
    requirements, packages = await asyncio.gather(
        sources.requirements(claim_ids), sources.packages(claim_ids))
    by_claim_req = dict(zip(claim_ids, requirements, strict=True))
    by_claim_pkg = dict(zip(claim_ids, packages, strict=True))
    known_addresses = [a for a in addresses if a is not None]
    return {
        user.id: ScoredUserContext(
            build_context(user, known_addresses, user_claims, by_claim_req, by_claim_pkg),
            score)
        for (user, score), user_claims in zip(pairs, claims, strict=True)
    }
