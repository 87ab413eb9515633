"""The audit trail's rules and its writer, over an in-memory trail."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from domain.audit.model import (
    MAX_OPERATION_LENGTH,
    AuditKind,
    AuditQuery,
    AuditRecord,
    InvalidAuditQuery,
    RequestReads,
)
from domain.audit.ports import AuditTrail
from service_layer.audit import AuditLog, AuditWriter

NOW = datetime(2026, 12, 1, 10, tzinfo=UTC)
AGENT = uuid.uuid4()
DEADLINE = 10.0  # seconds a test waits for the writer before failing


def read(user_id: int, operation: str = "UserContext") -> AuditRecord:
    return AuditRecord(NOW, AuditKind.READ, AGENT, user_id, operation, "10.0.0.1")


class MemoryTrail(AuditTrail):
    """Stores batches; fails the next ``failures`` writes; says when it was asked."""

    def __init__(self, failures: int = 0):
        self.batches: list[list[AuditRecord]] = []
        self.failures = failures
        self.attempts = 0
        self.attempted = asyncio.Event()
        self.written = asyncio.Event()
        self.deletable: list[int] = []
        self.hold: asyncio.Event | None = None

    async def append_many(self, records):
        self.attempts += 1
        self.attempted.set()
        if self.hold is not None:
            await self.hold.wait()
        if self.failures:
            self.failures -= 1
            raise ConnectionError("PostgreSQL is away")
        self.batches.append(list(records))
        self.written.set()

    async def page(self, query):
        raise NotImplementedError

    async def delete_before(self, cutoff, limit):
        taken = min(limit, len(self.deletable))
        del self.deletable[:taken]
        return taken

    @property
    def stored(self) -> list[AuditRecord]:
        return [r for batch in self.batches for r in batch]


# --- the record and the request's reads ---


def test_a_record_is_always_storable():
    record = AuditRecord(NOW, AuditKind.MUTATION, None, 2**63, "x\x00" * 300, "1\x00" * 100)
    assert record.user_id is None  # no PostgreSQL bigint: dropped, not a failed batch
    assert record.operation == "x" * MAX_OPERATION_LENGTH
    assert record.address == "1" * 64
    assert AuditRecord(NOW, AuditKind.READ, AGENT, 2**63 - 1, "Q", None).user_id == 2**63 - 1
    with pytest.raises(ValueError, match="time zone"):
        AuditRecord(datetime(2026, 1, 1), AuditKind.READ, AGENT, 1, "Q", None)


def test_a_request_records_each_user_once():
    reads = RequestReads()
    assert reads.first_reads([3, 1, 3, 2]) == [3, 1, 2]
    assert reads.first_reads([2, 4, 1]) == [4]
    assert reads.first_reads([]) == []
    reads.start_over()  # a websocket's next event
    assert reads.first_reads([1]) == [1]


# --- questions of the trail ---


def _query(**changes) -> AuditQuery:
    arguments = {"user_id": 7, "agent_id": None, "start": NOW - timedelta(days=1), "end": NOW,
                 "first": 10, "after": None, "max_days": 400} | changes
    return AuditQuery.of(**arguments)


def test_a_query_names_a_user_or_an_agent():
    assert _query().user_id == 7
    assert _query(user_id=None, agent_id=AGENT).agent_id == AGENT
    with pytest.raises(InvalidAuditQuery) as caught:
        _query(user_id=None)
    assert caught.value.field == "userId" and "agentId" in str(caught.value)


@pytest.mark.parametrize(("changes", "field"), [
    ({"start": NOW, "end": NOW}, "from"),
    ({"start": NOW, "end": NOW - timedelta(hours=1)}, "from"),
    ({"start": NOW - timedelta(days=401)}, "to"),
    ({"start": datetime(2026, 11, 1)}, "from"),
    ({"first": 0}, "first"),
])
def test_a_bad_query_names_the_argument(changes, field):
    with pytest.raises(InvalidAuditQuery) as caught:
        _query(**changes)
    assert caught.value.field == field


def test_a_query_period_is_kept_in_utc():
    plus_two = timezone(timedelta(hours=2))
    query = _query(start=datetime(2026, 11, 30, 12, tzinfo=plus_two))
    assert query.period.start == datetime(2026, 11, 30, 10, tzinfo=UTC)


async def test_retention_deletes_in_chunks_until_none_is_left():
    trail = MemoryTrail()
    trail.deletable = list(range(25))
    assert await AuditLog(trail, keep_days=400, purge_chunk=10).purge(NOW) == 25
    assert trail.deletable == []
    assert await AuditLog(trail, keep_days=400, purge_chunk=10).purge(NOW) == 0


# --- the writer ---


async def test_record_only_buffers_and_flush_writes_a_statement_per_batch():
    trail = MemoryTrail()
    writer = AuditWriter(trail, flush_seconds=3600, batch_size=1000)
    writer.record_many(read(u) for u in range(1, 2501))
    # record() returned without touching the store; flushing writes batches of 1000.
    assert trail.attempts == 0 and writer.pending == 2500
    assert await writer.flush() == 2500
    assert [len(b) for b in trail.batches] == [1000, 1000, 500]
    assert [r.user_id for r in trail.stored] == list(range(1, 2501))
    assert writer.pending == 0
    await writer.close()


async def test_a_full_batch_is_written_without_waiting_for_the_timer():
    trail = MemoryTrail()
    writer = AuditWriter(trail, flush_seconds=3600, batch_size=3)
    writer.record_many([read(1), read(2), read(3)])
    await asyncio.wait_for(trail.written.wait(), DEADLINE)
    assert [r.user_id for r in trail.stored] == [1, 2, 3]
    await writer.close()


async def test_the_timer_writes_what_waits():
    trail = MemoryTrail()
    writer = AuditWriter(trail, flush_seconds=0.01, batch_size=1000)
    writer.record(read(1))
    await asyncio.wait_for(trail.written.wait(), DEADLINE)
    assert [r.user_id for r in trail.stored] == [1]
    await writer.close()


async def test_a_failed_batch_stays_buffered_and_is_retried_until_it_lands():
    trail = MemoryTrail(failures=10**9)
    writer = AuditWriter(trail, flush_seconds=0.01, batch_size=1000, retry_cap_seconds=0.02)
    writer.record_many(read(u) for u in (1, 2, 3))
    for _ in range(3):  # several attempts fail: nothing is lost meanwhile
        trail.attempted.clear()
        await asyncio.wait_for(trail.attempted.wait(), DEADLINE)
    assert writer.pending == 3 and trail.stored == []
    writer.record(read(4))
    trail.failures = 0  # PostgreSQL is back
    await asyncio.wait_for(trail.written.wait(), DEADLINE)
    while writer.pending:  # the rest follows on the next turns
        await asyncio.wait_for(trail.attempted.wait(), DEADLINE)
        trail.attempted.clear()
    assert [r.user_id for r in trail.stored] == [1, 2, 3, 4]  # once each, in order
    await writer.close()


async def test_a_full_buffer_drops_new_records_and_says_so(caplog):
    trail = MemoryTrail(failures=10**9)
    writer = AuditWriter(trail, flush_seconds=3600, batch_size=1000, max_buffered=10)
    with caplog.at_level(logging.ERROR, logger="service_layer.audit"):
        writer.record_many(read(u) for u in range(1, 16))
    assert writer.pending == 10 and writer.dropped == 5
    assert "AUDIT RECORDS LOST" in caplog.text
    trail.failures = 0
    await writer.flush()
    assert [r.user_id for r in trail.stored] == list(range(1, 11))  # the oldest are kept
    await writer.close()


async def test_two_flushes_at_once_write_each_record_once():
    trail = MemoryTrail()
    trail.hold = asyncio.Event()
    writer = AuditWriter(trail, flush_seconds=3600, batch_size=2)
    writer.record_many(read(u) for u in range(1, 6))
    both = asyncio.gather(writer.flush(), writer.flush())
    await asyncio.wait_for(trail.attempted.wait(), DEADLINE)
    trail.hold.set()
    await both
    assert sorted(r.user_id for r in trail.stored) == [1, 2, 3, 4, 5]
    await writer.close()


async def test_close_writes_what_is_left():
    trail = MemoryTrail()
    writer = AuditWriter(trail, flush_seconds=3600, batch_size=1000)
    writer.record_many([read(1), read(2)])
    await writer.close()
    assert [r.user_id for r in trail.stored] == [1, 2]


async def test_close_with_the_store_away_logs_the_loss_and_returns(caplog):
    trail = MemoryTrail(failures=10**9)
    writer = AuditWriter(trail, flush_seconds=3600, batch_size=1000)
    writer.record(read(1))
    with caplog.at_level(logging.ERROR, logger="service_layer.audit"):
        await writer.close()
    assert "1 records could not be written at shutdown" in caplog.text


async def test_recording_never_raises(caplog):
    def broken():
        yield read(1)
        raise RuntimeError("a caller's bug")

    writer = AuditWriter(MemoryTrail(), flush_seconds=3600)
    with caplog.at_level(logging.ERROR, logger="service_layer.audit"):
        writer.record_many(broken())
    assert "could not be buffered" in caplog.text
    await writer.close()
