"""The audit trail in PostgreSQL: batches in one statement, pages by user or agent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from domain.audit.model import AuditEntry, AuditKind, AuditPage, AuditQuery, AuditRecord
from domain.audit.ports import AuditTrail
from infrastructure.settings import DatabaseAddress

_APPEND = """
INSERT INTO audit_log (at, kind, agent_id, user_id, operation, address)
SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::uuid[], $4::bigint[], $5::text[],
                     $6::text[])
"""
# Only the filters asked for are in the statement, so that each shape keeps its index
# (user_id, at, id) or (agent_id, at, id) even under a generic plan.
_PAGE = """
SELECT id, at, kind, agent_id, user_id, operation, address FROM audit_log
WHERE at >= $1 AND at < $2 {filters}
ORDER BY at DESC, id DESC LIMIT {limit}
"""
# Any rows past the cutoff, a chunk at a time, in no particular order (the BRIN index on
# at finds them without reading the whole table).
_DELETE_BEFORE = """
DELETE FROM audit_log WHERE id = ANY(ARRAY(
    SELECT id FROM audit_log WHERE at < $1 LIMIT $2))
"""


async def open_write_pool(address: DatabaseAddress, command_timeout: float) -> asyncpg.Pool:
    """The audit writer's own connection (opened on first use): a saturated request pool
    neither holds up the audit trail nor waits for it."""
    return await asyncpg.create_pool(address.plain_url, min_size=0, max_size=1,
                                     command_timeout=command_timeout,
                                     max_inactive_connection_lifetime=300.0)


class PgAuditTrail(AuditTrail):
    def __init__(self, reads: asyncpg.Pool, writes: asyncpg.Pool):
        self._reads, self._writes = reads, writes

    async def append_many(self, records: Sequence[AuditRecord]) -> None:
        if not records:
            return
        await self._writes.execute(
            _APPEND, [r.at for r in records], [r.kind.value for r in records],
            [r.agent_id for r in records], [r.user_id for r in records],
            [r.operation for r in records], [r.address for r in records])

    async def page(self, query: AuditQuery) -> AuditPage:
        args: list[object] = [query.period.start, query.period.end]
        filters = []
        if query.user_id is not None:
            args.append(query.user_id)
            filters.append(f"AND user_id = ${len(args)}")
        if query.agent_id is not None:
            args.append(query.agent_id)
            filters.append(f"AND agent_id = ${len(args)}")
        if query.after is not None:
            args += [query.after.at, query.after.id]
            filters.append(f"AND (at, id) < (${len(args) - 1}, ${len(args)})")
        args.append(query.first + 1)
        sql = _PAGE.format(filters=" ".join(filters), limit=f"${len(args)}")
        rows = await self._reads.fetch(sql, *args)
        entries = [_entry(row) for row in rows[:query.first]]
        return AuditPage(entries, has_next=len(rows) > query.first)

    async def delete_before(self, cutoff: datetime, limit: int) -> int:
        status = await self._reads.execute(_DELETE_BEFORE, cutoff, limit)
        return int(status.split()[-1])


def _entry(row: asyncpg.Record) -> AuditEntry:
    return AuditEntry(row["id"], AuditRecord(
        at=row["at"], kind=AuditKind(row["kind"]), agent_id=row["agent_id"],
        user_id=row["user_id"], operation=row["operation"], address=row["address"]))
