"""Assembling a user's context from the replica rows that make it up."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from domain.scoring.model import CallScore
from domain.users.model import (
    Address,
    Claim,
    ClaimDetail,
    Requirement,
    User,
    UserContext,
    VehiclePackage,
)


@dataclass(frozen=True, slots=True)
class ScoredUserContext:
    """A user's replica context merged with the dialler's call score (None: never scored)."""

    context: UserContext
    call_score: CallScore | None


def pick_address(user: User, addresses: Iterable[Address]) -> Address | None:
    """The user's current address; else the last one on file for them."""
    own = [a for a in addresses if a.user_id == user.id]
    for address in own:
        if address.id == user.current_user_address_id:
            return address
    return own[-1] if own else None


def build_context(user: User, addresses: Iterable[Address], claims: Sequence[Claim],
                  requirements: Mapping[int, Sequence[Requirement]],
                  packages: Mapping[int, Sequence[VehiclePackage]]) -> UserContext:
    details = tuple(
        ClaimDetail(c, tuple(requirements.get(c.id, ())), tuple(packages.get(c.id, ())))
        for c in claims
    )
    return UserContext(user=user, address=pick_address(user, addresses), claims=details)
