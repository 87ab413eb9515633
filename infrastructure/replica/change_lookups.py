"""What the replica shows for the rows a CDC batch names: one statement per table touched."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

from domain.sync.changes import RowChange
from domain.sync.routing import (
    USER_TABLES,
    ConversionKind,
    ConversionSeen,
    Lookups,
    as_int,
    link_needed,
    row_id,
)
from infrastructure.replica.database import ReplicaDatabase, in_list
from infrastructure.replica.rows import utc_value

# The column linking each table's row to its user (or, for requirements and packages, claim).
_LINK = {**USER_TABLES, "claim_requirements": "claim_id", "claim_vehicle_packages": "claim_id"}
_INTEGER_IDS = {"users", "claims", "claim_vehicle_packages"}


class ChangeLookups:
    def __init__(self, db: ReplicaDatabase):
        self.db = db

    async def for_changes(self, changes: Sequence[RowChange]) -> Lookups:
        ids: dict[str, set] = defaultdict(set)
        for change in changes:
            key = row_id(change)
            if key is not None:
                ids[change.table].add(as_int(key) if change.table in _INTEGER_IDS else key)
        versions, links = {}, {}
        for table, wanted in ids.items():
            wanted.discard(None)
            if not wanted:
                continue
            values = sorted(wanted, key=str)
            sql = (f"SELECT id, updated_at, {_LINK[table]} FROM {table} "  # noqa: S608 - fixed names
                   f"WHERE id IN {in_list(values)}")
            for found_id, updated_at, link in await self.db.fetch(sql, values):
                versions[(table, str(found_id))] = utc_value(updated_at)
                if link is not None:
                    links[(table, str(found_id))] = int(link)
        claims = self._claims_needed(changes, links)
        owners = await self._claim_owners(claims) if claims else {}
        return Lookups(versions, owners, links)

    @staticmethod
    def _claims_needed(changes: Sequence[RowChange], links: dict) -> set[int]:
        claims = set()
        for change in changes:
            kind, linked = link_needed(change)
            if kind != "claim":
                continue
            linked = linked if linked is not None else links.get((change.table,
                                                                  row_id(change) or ""))
            if linked is not None:
                claims.add(linked)
        return claims

    async def _claim_owners(self, claims: set[int]) -> dict[int, int]:
        values = sorted(claims)
        rows = await self.db.fetch(f"SELECT id, user_id FROM claims WHERE id IN {in_list(values)}",
                                   values)
        return {int(claim): int(user) for claim, user in rows if user is not None}


async def conversions_seen_since(db: ReplicaDatabase, left_unsigned: set[int],
                                 left_outstanding: set[int], since: datetime
                                 ) -> list[ConversionSeen]:
    """What a reconciliation's queue moves say was obtained: signatures of users who left
    UNSIGNED, requirements completed since ``since`` for users who left OUTSTANDING_REQUESTS."""
    seen: list[ConversionSeen] = []
    if left_unsigned:
        ids = sorted(left_unsigned)
        rows = await db.fetch("SELECT id, updated_at FROM users WHERE current_signature_file_id "
                              f"IS NOT NULL AND id IN {in_list(ids)}", ids)
        seen += [ConversionSeen(ConversionKind.SIGNED, int(u), None, None,
                                utc_value(at) or since) for u, at in rows]
    if left_outstanding:
        ids = sorted(left_outstanding)
        rows = await db.fetch(
            "SELECT r.id, r.claim_id, c.user_id, r.updated_at FROM claim_requirements r "
            "JOIN claims c ON c.id = r.claim_id WHERE r.status = 'COMPLETED' "
            f"AND r.updated_at >= %s AND c.user_id IN {in_list(ids)}",
            [since.astimezone(UTC).replace(tzinfo=None), *ids])
        seen += [ConversionSeen(ConversionKind.REQUIREMENT_DONE, int(u), int(c), str(r),
                                utc_value(at) or since) for r, c, u, at in rows]
    return seen
