"""Replica rows to domain objects, tolerant of the messy values the contract lists."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from domain.users.model import Address, Claim, Requirement, User, VehiclePackage

USER_COLUMNS = (
    "id, first_name, last_name, email, phone_number, date_of_birth, status, is_enabled, "
    "introducer, solicitor, current_user_address_id, current_signature_file_id, last_login, "
    "created_at, updated_at"
)
ADDRESS_COLUMNS = "id, user_id, full_address, post_code, county"
CLAIM_COLUMNS = (
    "id, user_id, type, status, lender, solicitor, client_last_updated_at, created_at, updated_at"
)
REQUIREMENT_COLUMNS = (
    "id, claim_id, type, status, claim_requirement_reason, created_at, updated_at"
)
PACKAGE_COLUMNS = (
    "id, claim_id, vehicle_registration, vehicle_make, vehicle_model, dealership_name, "
    "monthly_payment"
)


def text_value(value: object) -> str | None:
    if type(value) is str:  # most values: what follows gives the same, more slowly
        return value.strip() or None
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value).strip()
    return text or None


# Statuses compared as the main app writes them; stray whitespace is not a new status.
_status = text_value


def datetime_value(value: object) -> datetime | None:
    # A MySQL zero date ('0000-00-00 00:00:00') arrives as a string or None.
    return value if isinstance(value, datetime) else None


def utc_value(value: object) -> datetime | None:
    """The replica's DATETIMEs are UTC without a zone (the contract); made aware here."""
    found = datetime_value(value)
    if found is not None and found.tzinfo is None:
        found = found.replace(tzinfo=UTC)
    return found


def date_value(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def flag_value(value: object) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = int.from_bytes(value, "big")
    try:
        return bool(int(value))
    except (TypeError, ValueError):
        return None


def _int(value: object) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def _decimal(value: object) -> Decimal | None:
    try:
        return None if value is None else Decimal(str(value))
    except InvalidOperation:
        return None


# The converters below pass their fields by position, in the order of the dataclass
# (a queue page converts thousands of rows, and keywords cost a third of a row's time).


def to_user(r: tuple) -> User:
    t, at = text_value, datetime_value
    # id, first_name, last_name, email, phone_number, date_of_birth, status, is_enabled,
    # introducer, solicitor, current_user_address_id, current_signature_file_id,
    # last_login, created_at, updated_at
    return User(int(r[0]), t(r[1]), t(r[2]), t(r[3]), t(r[4]), date_value(r[5]),
                _status(r[6]), flag_value(r[7]), t(r[8]), t(r[9]), t(r[10]), _int(r[11]),
                at(r[12]), at(r[13]), at(r[14]))


def to_address(r: tuple) -> Address:
    return Address(id=str(r[0]), user_id=int(r[1]), full_address=text_value(r[2]),
                   post_code=text_value(r[3]), county=text_value(r[4]))


def to_claim(r: tuple) -> Claim:
    t, at = text_value, datetime_value
    # id, user_id, type, status, lender, solicitor, client_last_updated_at, created_at,
    # updated_at
    return Claim(int(r[0]), int(r[1]), t(r[2]), _status(r[3]), t(r[4]), t(r[5]), at(r[6]),
                 at(r[7]), at(r[8]))


def to_requirement(r: tuple) -> Requirement:
    t, at = text_value, datetime_value
    # id, claim_id, type, status, reason, created_at, updated_at
    return Requirement(str(r[0]), int(r[1]), t(r[2]), _status(r[3]), t(r[4]), at(r[5]),
                       at(r[6]))


def to_vehicle_package(r: tuple) -> VehiclePackage:
    return VehiclePackage(id=int(r[0]), claim_id=int(r[1]), registration=text_value(r[2]),
                          make=text_value(r[3]), model=text_value(r[4]),
                          dealership=text_value(r[5]), monthly_payment=_decimal(r[6]))
