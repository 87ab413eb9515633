"""Batched reads of the replica: one statement per table, whatever the number of keys."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from domain.users.model import Address, Claim, Requirement, User, VehiclePackage
from infrastructure.replica import rows
from infrastructure.replica.database import ReplicaDatabase, in_list


class ReplicaReader:
    def __init__(self, db: ReplicaDatabase):
        self.db = db

    async def users(self, user_ids: Sequence[int]) -> dict[int, User]:
        found = await self._where("users", rows.USER_COLUMNS, "id", user_ids)
        return {u.id: u for u in map(rows.to_user, found)}

    async def addresses(self, address_ids: Sequence[str]) -> dict[str, Address]:
        found = await self._where("user_addresses", rows.ADDRESS_COLUMNS, "id", address_ids)
        return {a.id: a for a in map(rows.to_address, found)}

    async def claims_by_user(self, user_ids: Sequence[int]) -> dict[int, list[Claim]]:
        found = await self._where("claims", rows.CLAIM_COLUMNS, "user_id", user_ids, "id")
        return _group(map(rows.to_claim, found), "user_id")

    async def requirements_by_claim(self, claim_ids: Sequence[int]
                                    ) -> dict[int, list[Requirement]]:
        found = await self._where("claim_requirements", rows.REQUIREMENT_COLUMNS, "claim_id",
                                  claim_ids, "created_at, id")
        return _group(map(rows.to_requirement, found), "claim_id")

    async def vehicle_packages_by_claim(self, claim_ids: Sequence[int]
                                        ) -> dict[int, list[VehiclePackage]]:
        found = await self._where("claim_vehicle_packages", rows.PACKAGE_COLUMNS, "claim_id",
                                  claim_ids, "id")
        return _group(map(rows.to_vehicle_package, found), "claim_id")

    async def requirements_by_user(self, user_ids: Sequence[int]
                                   ) -> dict[int, list[Requirement]]:
        """The requirements of these users' claims, in requirements_by_claim's order: one
        statement joined to the claims, so it need not wait for the claims' ids."""
        found = await self._of_users_claims("claim_requirements", rows.REQUIREMENT_COLUMNS,
                                            user_ids, "created_at, id")
        return _by_user(found, rows.to_requirement)

    async def vehicle_packages_by_user(self, user_ids: Sequence[int]
                                       ) -> dict[int, list[VehiclePackage]]:
        """The vehicle packages of these users' claims, as requirements_by_user."""
        found = await self._of_users_claims("claim_vehicle_packages", rows.PACKAGE_COLUMNS,
                                            user_ids, "id")
        return _by_user(found, rows.to_vehicle_package)

    async def _of_users_claims(self, table: str, columns: str, user_ids: Sequence[int],
                               order: str) -> list[tuple]:
        """Rows of a table that hangs off claims, for these users' claims, each row
        followed by its claim's user id."""
        keys = list(dict.fromkeys(user_ids))
        if not keys:
            return []
        picked, ordered = (", ".join(f"t.{c.strip()}" for c in names.split(","))
                           for names in (columns, order))
        return await self.db.fetch(
            f"SELECT {picked}, c.user_id FROM {table} t JOIN claims c ON c.id = t.claim_id "
            f"WHERE c.user_id IN {in_list(keys)} ORDER BY {ordered}", keys)

    async def _where(self, table: str, columns: str, key: str, values: Sequence,
                     order: str | None = None) -> list[tuple]:
        keys = list(dict.fromkeys(values))
        if not keys:
            return []
        sql = f"SELECT {columns} FROM {table} WHERE {key} IN {in_list(keys)}"
        return await self.db.fetch(sql + (f" ORDER BY {order}" if order else ""), keys)


def _group(items, attribute: str) -> dict:
    grouped: dict = defaultdict(list)
    for item in items:
        grouped[getattr(item, attribute)].append(item)
    return dict(grouped)


def _by_user(found: list[tuple], convert) -> dict:
    """Rows that end with their user id, converted, grouped by that id."""
    grouped: dict = defaultdict(list)
    for row in found:
        grouped[row[-1]].append(convert(row))
    return dict(grouped)
