"""The main application's user, as the dialler reads it from the replica."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

CLAIM_STATUSES = ("new", "in_progress", "submitted", "complete", "rejected")
REQUIREMENT_STATUSES = ("PENDING", "COMPLETED", "CANCELLED")
REQUIREMENT_TYPES = (
    "bank_statement", "id_document", "proof_of_address", "finance_agreement", "other",
)


def is_open_status(status: str | None) -> bool:
    """A claim is open when a status is set and it is not 'complete' ('rejected' is open)."""
    return status is not None and status != "complete"


@dataclass(frozen=True, slots=True)
class Address:
    id: str
    user_id: int
    full_address: str | None
    post_code: str | None
    county: str | None


@dataclass(frozen=True, slots=True)
class User:
    id: int
    first_name: str | None
    last_name: str | None
    email: str | None
    phone_number: str | None
    date_of_birth: date | None
    status: str | None
    is_enabled: bool | None
    introducer: str | None
    solicitor: str | None
    current_user_address_id: str | None
    current_signature_file_id: int | None
    last_login: datetime | None
    created_at: datetime | None
    updated_at: datetime | None

    @property
    def has_signed(self) -> bool:
        """Only NULL is unsigned: a file id of 0 is still a signature."""
        return self.current_signature_file_id is not None


@dataclass(frozen=True, slots=True)
class Requirement:
    id: str
    claim_id: int
    type: str | None
    status: str | None
    reason: str | None
    created_at: datetime | None
    updated_at: datetime | None

    @property
    def is_pending(self) -> bool:
        return self.status == "PENDING"


@dataclass(frozen=True, slots=True)
class VehiclePackage:
    id: int
    claim_id: int
    registration: str | None
    make: str | None
    model: str | None
    dealership: str | None
    monthly_payment: Decimal | None


@dataclass(frozen=True, slots=True)
class Claim:
    id: int
    user_id: int
    type: str | None
    status: str | None
    lender: str | None
    solicitor: str | None
    client_last_updated_at: datetime | None
    created_at: datetime | None
    updated_at: datetime | None

    @property
    def is_open(self) -> bool:
        return is_open_status(self.status)

    @property
    def last_updated(self) -> datetime | None:
        return self.client_last_updated_at or self.updated_at


@dataclass(frozen=True, slots=True)
class ClaimDetail:
    """A claim with the rows that hang off it."""

    claim: Claim
    requirements: tuple[Requirement, ...] = ()
    vehicle_packages: tuple[VehiclePackage, ...] = ()


@dataclass(frozen=True, slots=True)
class UserContext:
    """Everything an agent needs before dialling one user."""

    user: User
    address: Address | None
    claims: tuple[ClaimDetail, ...] = field(default_factory=tuple)

    @property
    def pending_requirements(self) -> tuple[Requirement, ...]:
        return tuple(r for c in self.claims for r in c.requirements if r.is_pending)


def parse_user_id(raw: object) -> int:
    """A user id as the API receives it; ValueError names what is wrong."""
    text = str(raw).strip()
    if not text.isdigit() or int(text) <= 0 or len(text) > 19:
        raise ValueError(f"user id must be a positive whole number, got {str(raw)[:40]!r}")
    return int(text)
