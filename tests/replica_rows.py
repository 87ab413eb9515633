"""Inserting hand-made rows into a test replica, with ids no other test uses."""

from __future__ import annotations

import itertools
import random
import uuid
from datetime import date, datetime, timedelta

from infrastructure.replica.database import ReplicaDatabase

_ids = itertools.count(random.randint(10_000_000, 90_000_000) * 10)
NOW = datetime(2026, 11, 20, 9, 0, 0)


def next_id() -> int:
    return next(_ids)


class ReplicaRows:
    """Writes contract-shaped rows; every method returns the id it used."""

    def __init__(self, db: ReplicaDatabase):
        self.db = db

    async def user(self, *, first_name="Amelia", last_name="Hughes", email="amelia@example.com",
                   phone_number="07911 123456", date_of_birth=date(1956, 3, 14),
                   status="active", is_enabled=1, signature=None, address_id=None,
                   created_at=NOW - timedelta(days=400), updated_at=NOW) -> int:
        user_id = next_id()
        await self.db.execute(
            "INSERT INTO users (id, first_name, last_name, email, phone_number, date_of_birth, "
            "status, is_enabled, introducer, solicitor, current_user_address_id, "
            "current_signature_file_id, last_login, created_at, updated_at) VALUES "
            "(%s, %s, %s, %s, %s, %s, %s, %s, 'web', 'Harbour Legal', %s, %s, NULL, %s, %s)",
            (user_id, first_name, last_name, email, phone_number, date_of_birth, status,
             is_enabled, address_id, signature, created_at, updated_at))
        return user_id

    async def address(self, user_id: int, *, full_address="1 High Street, Leeds",
                      post_code="LS1 4AP", county="West Yorkshire") -> str:
        address_id = str(uuid.uuid4())
        await self.db.execute(
            "INSERT INTO user_addresses (id, user_id, full_address, post_code, county, "
            "created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (address_id, user_id, full_address, post_code, county, NOW, NOW))
        await self.db.execute("UPDATE users SET current_user_address_id = %s WHERE id = %s",
                              (address_id, user_id))
        return address_id

    async def claim(self, user_id: int, *, status="in_progress", lender="Santander",
                    type="pcp", created_at=NOW - timedelta(days=30)) -> int:
        claim_id = next_id()
        await self.db.execute(
            "INSERT INTO claims (id, user_id, type, status, lender, solicitor, "
            "client_last_updated_at, created_at, updated_at) VALUES "
            "(%s, %s, %s, %s, %s, 'Harbour Legal', %s, %s, %s)",
            (claim_id, user_id, type, status, lender, NOW, created_at, NOW))
        return claim_id

    async def requirement(self, claim_id: int, *, type="bank_statement", status="PENDING",
                          reason="Need 3 months of statements") -> str:
        requirement_id = str(uuid.uuid4())
        await self.db.execute(
            "INSERT INTO claim_requirements (id, claim_id, type, status, "
            "claim_requirement_reason, created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (requirement_id, claim_id, type, status, reason, NOW, NOW))
        return requirement_id

    async def vehicle_package(self, claim_id: int, *, registration="AB12 CDE", make="Ford",
                              model="Focus", dealership="Arnold Clark",
                              monthly_payment="249.99") -> int:
        package_id = next_id()
        await self.db.execute(
            "INSERT INTO claim_vehicle_packages (id, claim_id, vehicle_registration, "
            "vehicle_make, vehicle_model, dealership_name, monthly_payment, created_at, "
            "updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (package_id, claim_id, registration, make, model, dealership, monthly_payment,
             NOW, NOW))
        return package_id
