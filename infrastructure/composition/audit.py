"""The audit trail: written through its own connection, read through the pool."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg

from infrastructure.postgres.audit import PgAuditTrail, open_write_pool
from infrastructure.runtime import Runtime
from infrastructure.settings import Settings
from service_layer.audit import AuditLog, AuditWriter


@dataclass(frozen=True)
class AuditArea:
    writer: AuditWriter
    log: AuditLog
    closers: tuple[Callable[[], Awaitable[None]], ...]


async def build_audit(s: Settings, runtime: Runtime, pg: asyncpg.Pool) -> AuditArea:
    writes = await open_write_pool(runtime.database, s.pg_command_timeout_seconds)
    trail = PgAuditTrail(pg, writes)
    writer = AuditWriter(trail, flush_seconds=s.audit_flush_seconds,
                         batch_size=s.audit_batch_size, max_buffered=s.audit_buffer_max)
    # Closers run last first: what waits is written before its connection closes.
    return AuditArea(writer, AuditLog(trail, s.audit_keep_days), (writes.close, writer.close))
