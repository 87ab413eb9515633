"""The QueueStores port over an asyncpg pool: per-user and per-range locks, no queue lock.

Every writer takes a sequence value before it reads the replica (its start) and leaves
one after (a mark: per user for incremental writers, per range for a rebuild). A writer
may replace a user's entry only when the entry's last mark is older than its own start;
otherwise the entry may come from newer facts than its own.

Incremental writers take a shared lock on each range their users fall in and an
exclusive lock per user, all with try-locks: a writer that cannot have them all at once
gives its connection back and tries again shortly, so no pooled connection ever waits
behind another writer. A rebuild takes one range's lock exclusively while it writes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Sequence
from datetime import datetime

import asyncpg

from domain.queue.builder import RulesForUser
from domain.queue.facts import DiallerFacts
from domain.queue.model import QueueChanged, QueueEntry
from domain.queue.ports import Keys, QueueBusy, QueueStore, QueueStores, RangeStore
from infrastructure.postgres import phones, queue_store
from infrastructure.postgres.rule_sets import STAMP_COLUMNS, RuleBook

RANGE_LOCKS, USER_LOCKS = 7301, 7302  # advisory lock classes (two-int form)
_INT4 = 2_147_483_647


def lock_key(number: int) -> int:
    """An id folded into PostgreSQL's int4 lock key space (collisions only wait longer)."""
    return number % _INT4


_TRY_LOCKS = """
SELECT bool_and(ok) FROM (
    SELECT pg_try_advisory_xact_lock_shared($1, r) AS ok FROM unnest($2::int[]) r
    UNION ALL
    SELECT pg_try_advisory_xact_lock($3, u) FROM unnest($4::int[]) u
) held
"""
# After the locks (a statement of its own: its snapshot must see every writer that held
# them before): the users computed by anyone since $2; nothing is owed for the others, as
# their dialler facts are read after this; and what decides the rules.
_NEWER = f"""
WITH newer AS (
    SELECT u FROM unnest($1::bigint[]) u
    WHERE EXISTS (SELECT 1 FROM queue_marks m WHERE m.user_id = u AND m.seq > $2)
       OR EXISTS (SELECT 1 FROM queue_range_marks r
                  WHERE r.range_no = floor(u / $3::numeric) AND r.seq > $2)
), caught_up AS (
    DELETE FROM queue_dirty WHERE user_id = ANY($1::bigint[])
    AND user_id NOT IN (SELECT u FROM newer)
)
SELECT ARRAY(SELECT u FROM newer) AS newer, {STAMP_COLUMNS}
"""
_MARK_USERS = """
INSERT INTO queue_marks (user_id, seq)
SELECT u, (SELECT nextval('queue_compute_seq')) FROM unnest($1::bigint[]) u
ON CONFLICT (user_id) DO UPDATE SET seq = EXCLUDED.seq
"""


class PgQueueStore(QueueStore):
    def __init__(self, conn: asyncpg.Connection, rule_book: RuleBook, read=None):
        """``read``: the row of _NEWER, when the caller has read it."""
        self.conn, self._rule_book, self._read = conn, rule_book, read

    async def computed_since_start(self) -> set[int]:
        return set(self._read["newer"]) if self._read else set()

    async def rules(self) -> RulesForUser:
        return await self._rule_book.current(self.conn, self._read)

    async def refresh_phones(self, numbers: dict[int, str | None]) -> dict[int, str | None]:
        return await phones.refresh_phones(self.conn, numbers)

    async def dialler_facts(self, keys: Keys, numbers: dict[int, str | None],
                            now: datetime) -> dict[int, DiallerFacts]:
        return await queue_store.dialler_facts(self.conn, keys, numbers, now)

    async def current_entries(self, keys: Keys) -> dict[int, QueueEntry]:
        return await queue_store.current_entries(self.conn, keys)

    async def write_changes(self, before: dict[int, QueueEntry], after: dict[int, QueueEntry],
                            changes: list[QueueChanged]) -> int:
        return await queue_store.write_changes(self.conn, before, after, changes)


class PgRangeStore(PgQueueStore, RangeStore):
    def __init__(self, conn: asyncpg.Connection, rule_book: RuleBook, range_no: int,
                 keys: Keys, started: int):
        super().__init__(conn, rule_book)
        self._range_no, self._keys, self._started = range_no, keys, started

    async def superseded(self) -> bool:
        seq = await self.conn.fetchval("SELECT seq FROM queue_range_marks WHERE range_no = $1",
                                       self._range_no)
        return seq is not None and seq > self._started

    async def computed_since_start(self) -> set[int]:
        rows = await self.conn.fetch(
            "SELECT user_id FROM queue_marks WHERE user_id BETWEEN $1 AND $2 AND seq > $3",
            self._keys.low, self._keys.high, self._started)
        return {r["user_id"] for r in rows}

    async def finish(self) -> None:
        """The range's mark, taken after every read; older user marks are spent."""
        await self.conn.execute(
            "INSERT INTO queue_range_marks (range_no, seq) "
            "VALUES ($1, nextval('queue_compute_seq')) "
            "ON CONFLICT (range_no) DO UPDATE SET seq = EXCLUDED.seq", self._range_no)
        await self.conn.execute(
            "DELETE FROM queue_marks WHERE user_id BETWEEN $1 AND $2 AND seq <= $3",
            self._keys.low, self._keys.high, self._started)


class PgQueueStores(QueueStores):
    def __init__(self, pool: asyncpg.Pool, rule_book: RuleBook, *, range_size: int = 50_000,
                 lock_wait_seconds: float = 5.0, range_lock_timeout_seconds: float = 30.0):
        self._pool, self._rule_book = pool, rule_book
        self.range_size = range_size
        self._lock_wait = lock_wait_seconds
        self._range_lock_timeout = range_lock_timeout_seconds

    async def begin(self) -> int:
        return await self._pool.fetchval("SELECT nextval('queue_compute_seq')")

    @contextlib.asynccontextmanager
    async def for_users(self, user_ids: Sequence[int], started: int
                        ) -> AsyncIterator[PgQueueStore]:
        ids = sorted(set(user_ids))
        ranges = sorted({lock_key(u // self.range_size) for u in ids})
        users = sorted({lock_key(u) for u in ids})
        loop = asyncio.get_running_loop()
        deadline, pause = loop.time() + self._lock_wait, 0.005
        while True:
            async with self._pool.acquire() as conn, conn.transaction():
                if await conn.fetchval(_TRY_LOCKS, RANGE_LOCKS, ranges, USER_LOCKS, users):
                    read = await conn.fetchrow(_NEWER, ids, started, self.range_size)
                    yield PgQueueStore(conn, self._rule_book, read)
                    newer = set(read["newer"])
                    await conn.execute(_MARK_USERS, [u for u in ids if u not in newer])
                    return
            if loop.time() + pause > deadline:
                raise QueueBusy(f"{len(ids)} users' queue entries are being written elsewhere")
            await asyncio.sleep(pause * (0.5 + random.random()))  # jitter: no lockstep retries
            pause = min(pause * 2, 0.2)

    @contextlib.asynccontextmanager
    async def for_range(self, keys: Keys, started: int) -> AsyncIterator[PgRangeStore]:
        range_no = keys.low // self.range_size
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(f"SET LOCAL lock_timeout = '{int(self._range_lock_timeout)}s'")
            await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", RANGE_LOCKS,
                               lock_key(range_no))
            store = PgRangeStore(conn, self._rule_book, range_no, keys, started)
            yield store
            await store.finish()

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[PgQueueStore]:
        async with self._pool.acquire() as conn, conn.transaction():
            yield PgQueueStore(conn, self._rule_book)

    async def ranges_with_entries(self) -> list[int]:
        rows = await self._pool.fetch(
            "SELECT DISTINCT floor(user_id::numeric / $1)::bigint AS r FROM queue_entries",
            self.range_size)
        return sorted(r["r"] for r in rows)

    async def rules(self) -> RulesForUser:
        async with self._pool.acquire() as conn:
            return await self._rule_book.current(conn)

    async def dirty_users(self, older_than: datetime, limit: int) -> list[int]:
        rows = await self._pool.fetch(
            "SELECT user_id FROM queue_dirty WHERE marked_at < $1 ORDER BY marked_at LIMIT $2",
            older_than, limit)
        return [r["user_id"] for r in rows]
