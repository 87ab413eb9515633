"""GraphQL types of the replica's users and claims, mapped from domain objects."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry
from graphql.pyutils import gather_with_cancel
from strawberry.types import Info

from domain.scoring.model import CallScore
from domain.users import model
from domain.users.context import ScoredUserContext
from domain.users.phone import to_e164
from graphql_api.plain_fields import NOT_LOADED, preloaded
from graphql_api.selection import selected_paths
from graphql_api.types.enums import CallOutcome


@strawberry.type(name="Address")
class AddressType:
    full_address: str | None
    post_code: str | None
    county: str | None

    @classmethod
    def from_domain(cls, a: model.Address) -> AddressType:
        return cls(full_address=a.full_address, post_code=a.post_code, county=a.county)


@strawberry.type(name="Requirement", description="A document or action a claim waits for.")
class RequirementType:
    id: strawberry.ID
    type: str | None
    status: str | None = strawberry.field(description="PENDING, COMPLETED or CANCELLED.")
    reason: str | None
    created_at: datetime | None

    @classmethod
    def from_domain(cls, r: model.Requirement) -> RequirementType:
        return cls(id=strawberry.ID(r.id), type=r.type, status=r.status, reason=r.reason,
                   created_at=r.created_at)


@strawberry.type(name="VehiclePackage")
class VehiclePackageType:
    registration: str | None
    make: str | None
    model: str | None
    dealership: str | None
    monthly_payment: Decimal | None

    @classmethod
    def from_domain(cls, p: model.VehiclePackage) -> VehiclePackageType:
        return cls(registration=p.registration, make=p.make, model=p.model,
                   dealership=p.dealership, monthly_payment=p.monthly_payment)


@strawberry.type(name="Claim")
class ClaimType:
    id: strawberry.ID
    type: str | None
    status: str | None
    lender: str | None = strawberry.field(description="As typed in the main application.")
    solicitor: str | None
    last_updated: datetime | None
    created_at: datetime | None
    # Preloaded by whoever makes the claim (User.claims, UserContext), so these are plain
    # fields: no resolver per claim, and graphql_api.execution reads their rows directly.
    requirements: list[RequirementType] = strawberry.field(default_factory=list)
    vehicle_packages: list[VehiclePackageType] = strawberry.field(default_factory=list)

    @classmethod
    def from_domain(cls, c: model.Claim, requirements: tuple[model.Requirement, ...] = (),
                    packages: tuple[model.VehiclePackage, ...] = ()) -> ClaimType:
        return cls(id=strawberry.ID(str(c.id)), type=c.type, status=c.status, lender=c.lender,
                   solicitor=c.solicitor, last_updated=c.last_updated, created_at=c.created_at,
                   requirements=[RequirementType.from_domain(r) for r in requirements],
                   vehicle_packages=[VehiclePackageType.from_domain(p) for p in packages])

    @classmethod
    def from_detail(cls, d: model.ClaimDetail) -> ClaimType:
        return cls.from_domain(d.claim, d.requirements, d.vehicle_packages)


@strawberry.type(name="User", description="A customer of the main application.")
class UserType:
    id: strawberry.ID
    first_name: str | None
    last_name: str | None
    phone_number: str | None = strawberry.field(description="As the user typed it.")
    email: str | None
    status: str | None
    is_enabled: bool | None
    date_of_birth: date | None
    has_signed: bool
    _address: strawberry.Private[model.Address | None] = None
    _address_loaded: strawberry.Private[bool] = False
    _address_id: strawberry.Private[str | None] = None
    _claims: strawberry.Private[tuple[model.ClaimDetail, ...] | None] = None
    _raw_phone: strawberry.Private[str | None] = None

    # Preloaded by the producer (queue pages, contexts): then plain fields, which
    # graphql_api.execution reads directly; only a user built without the data gets an
    # awaitable, which graphql-core awaits.
    def _preloaded_address(self) -> AddressType | None:
        if self._address_loaded or not self._address_id:
            return AddressType.from_domain(self._address) if self._address else None
        return NOT_LOADED

    @strawberry.field(description="The current address.",
                      metadata=preloaded(lambda user: user._preloaded_address()))
    def address(self, info: Info) -> AddressType | None:
        found = self._preloaded_address()
        return self._load_address(info) if found is NOT_LOADED else found

    async def _load_address(self, info: Info) -> AddressType | None:
        found = await info.context.loaders.address.load(self._address_id)
        return AddressType.from_domain(found) if found else None

    @strawberry.field(description="The number in E.164, or null when it is not a valid number.")
    def phone_number_e164(self) -> str | None:
        return to_e164(self._raw_phone)

    def _preloaded_claims(self) -> list[ClaimType]:
        if self._claims is None:
            return NOT_LOADED
        return [ClaimType.from_detail(d) for d in self._claims]

    @strawberry.field(metadata=preloaded(lambda user: user._preloaded_claims()))
    def claims(self, info: Info) -> list[ClaimType]:
        found = self._preloaded_claims()
        return self._load_claims(info) if found is NOT_LOADED else found

    async def _load_claims(self, info: Info) -> list[ClaimType]:
        return [ClaimType.from_detail(d) for d in await load_claims(info, int(self.id))]

    @classmethod
    def from_domain(cls, u: model.User, address: model.Address | None | bool = False,
                    claims: tuple[model.ClaimDetail, ...] | None = None) -> UserType:
        return cls(
            id=strawberry.ID(str(u.id)), first_name=u.first_name, last_name=u.last_name,
            phone_number=u.phone_number, email=u.email, status=u.status,
            is_enabled=u.is_enabled, date_of_birth=u.date_of_birth, has_signed=u.has_signed,
            # False: not loaded yet (resolved on demand); None or an Address: known.
            _address=address or None, _address_loaded=address is not False,
            _address_id=u.current_user_address_id,
            _claims=claims, _raw_phone=u.phone_number,
        )


async def load_claims(info: Info, user_id: int) -> tuple[model.ClaimDetail, ...]:
    """One user's claims with the rows the query asks for (batched across the request)."""
    wanted = selected_paths(info)
    loaders = info.context.loaders
    claims = await loaders.claims_by_user.load(user_id)
    ids = [c.id for c in claims]
    none: list = [()] * len(ids)
    found_r = await loaders.requirements_by_claim.load_many(ids) \
        if "requirements" in wanted else none
    found_p = await loaders.packages_by_claim.load_many(ids) \
        if "vehiclePackages" in wanted else none
    return tuple(model.ClaimDetail(c, tuple(r), tuple(p))
                 for c, r, p in zip(claims, found_r, found_p, strict=True))


async def page_claim_details(info: Info, user_ids: list[int], requirements: bool,
                             packages: bool) -> list[tuple[model.ClaimDetail, ...]]:
    """Claims of all the users of a page, each with requirements and packages when asked
    for: the claims and their rows are read at once, each in one call of its loader."""
    loaders = info.context.loaders
    claims, found_r, found_p = await gather_with_cancel(
        loaders.claims_by_user.many(user_ids),
        loaders.requirements_by_user.many(user_ids) if requirements else _no_rows(user_ids),
        loaders.packages_by_user.many(user_ids) if packages else _no_rows(user_ids))
    return [_details(*found) for found in zip(claims, found_r, found_p, strict=True)]


async def _no_rows(user_ids: list[int]) -> list[tuple]:
    return [()] * len(user_ids)


def _details(claims: list[model.Claim], requirements: list[model.Requirement],
             packages: list[model.VehiclePackage]) -> tuple[model.ClaimDetail, ...]:
    """One user's claims, each with its rows (given for all the user's claims, in order)."""
    by_claim_r, by_claim_p = _by_claim(requirements), _by_claim(packages)
    return tuple(model.ClaimDetail(c, by_claim_r.get(c.id, ()), by_claim_p.get(c.id, ()))
                 for c in claims)


def _by_claim(rows: list) -> dict[int, tuple]:
    grouped: dict[int, list] = {}
    for row in rows:
        grouped.setdefault(row.claim_id, []).append(row)
    return {claim_id: tuple(found) for claim_id, found in grouped.items()}


@strawberry.type(name="CallScore", description="The dialler's record of calling one user.")
class CallScoreType:
    current_score: float = strawberry.field(description="Lower is called sooner.")
    total_attempts: int
    failed_attempts: int
    last_outcome: CallOutcome | None
    last_called_at: datetime | None
    last_contact_at: datetime | None
    next_call_after: datetime | None

    @classmethod
    def from_domain(cls, s: CallScore) -> CallScoreType:
        return cls(current_score=s.current_score, total_attempts=s.total_attempts,
                   failed_attempts=s.failed_attempts, last_outcome=s.last_outcome,
                   last_called_at=s.last_called_at, last_contact_at=s.last_contact_at,
                   next_call_after=s.next_call_after)


@strawberry.type(name="UserContext", description="Everything an agent needs before dialling.")
class UserContextType:
    user: UserType
    claims: list[ClaimType]
    call_score: CallScoreType | None = strawberry.field(
        description="null when the dialler has never scored this user.")

    @classmethod
    def from_domain(cls, item: ScoredUserContext) -> UserContextType:
        ctx = item.context
        return cls(
            user=UserType.from_domain(ctx.user, ctx.address, ctx.claims),
            claims=[ClaimType.from_detail(d) for d in ctx.claims],
            call_score=CallScoreType.from_domain(item.call_score) if item.call_score else None,
        )
