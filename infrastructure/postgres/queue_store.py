"""The QueueStores port over asyncpg: per-user and per-range locks, no queue lock.

Every writer takes a sequence value before it reads the replica (its start) and leaves
one after (a mark: per user for incremental writers, per range for a rebuild). A writer
may replace a user's entry only when the entry's last mark is older than its own start;
otherwise the entry may come from newer facts than its own.

Incremental writers take a shared lock on each range their users fall in and an
exclusive lock per user, all with try-locks: a writer that cannot have them all at once
gives its connection back and tries again shortly, so no pooled connection ever waits
behind another writer. A rebuild takes one range's lock exclusively while it writes it.

Within one writer's transaction, reads take a key condition (a range of user ids for a
rebuild, a list for the incremental path) and every write of one batch happens in it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime

import asyncpg

from domain.calls.outcomes import CallOutcome, known_outcome
from domain.queue.builder import RulesForUser
from domain.queue.facts import DiallerFacts, DueCallback
from domain.queue.inputs import InputsSeen
from domain.queue.model import QueueChanged, QueueEntry, QueueType, Scored
from domain.queue.ports import Keys, QueueBusy, QueueStore, QueueStores, RangeStore
from domain.scoring.engine import ScoringFacts
from domain.scoring.habits import UserHabits
from infrastructure.postgres import phones, queue_inputs
from infrastructure.postgres.dispositions import mark_dirty
from infrastructure.postgres.habit_columns import HABIT_COLUMNS, habit_values, habits_from_row
from infrastructure.postgres.learned_scoring import user_habits
from infrastructure.postgres.queue_keys import where
from infrastructure.postgres.rule_sets import STAMP_COLUMNS, RuleBook
from infrastructure.postgres.staging import FEW_ROWS, through_staging

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
    DELETE FROM queue_dirty WHERE $4 AND user_id = ANY($1::bigint[])
    AND user_id NOT IN (SELECT u FROM newer)
)
SELECT ARRAY(SELECT u FROM newer) AS newer, {STAMP_COLUMNS}
"""
# An incremental writer's mark; what a rebuild built these users from no longer stands.
_MARK_USERS = """
WITH forgotten AS (DELETE FROM queue_inputs WHERE user_id = ANY($1::bigint[]))
INSERT INTO queue_marks (user_id, seq)
SELECT u, (SELECT nextval('queue_compute_seq')) FROM unnest($1::bigint[]) u
ON CONFLICT (user_id) DO UPDATE SET seq = EXCLUDED.seq
"""


# The same four reads for a few users in one round trip (the incremental path).
_FACTS_OF_USERS = """
SELECT u.user_id, d.user_id IS NOT NULL AS dnc, s.user_id IS NOT NULL AS scored,
       s.last_outcome, s.last_contact_at, s.failed_attempts, s.next_call_after,
       s.last_called_at, b.user_id IS NOT NULL AS blocked, b.wrong_number_phone,
       b.no_claim_fingerprint,
       cb.id AS callback_id, cb.scheduled_for, cb.agent_id
FROM unnest($1::bigint[]) AS u(user_id)
LEFT JOIN do_not_call d ON d.user_id = u.user_id
LEFT JOIN call_scores s ON s.user_id = u.user_id
LEFT JOIN call_blocks b ON b.user_id = u.user_id
LEFT JOIN LATERAL (
    SELECT id, scheduled_for, CASE WHEN personal THEN agent_id END AS agent_id
    FROM callbacks c WHERE c.user_id = u.user_id AND c.status = 'pending'
    AND c.scheduled_for <= $2 ORDER BY scheduled_for, id LIMIT 1
) cb ON true
"""


def _facts(user_id, e164, dnc, callbacks, scores, blocks) -> DiallerFacts:
    score, block = scores.get(user_id), blocks.get(user_id)
    outcome = score["last_outcome"] if score else None
    return DiallerFacts(
        phone_dialable=e164 is not None, do_not_call=user_id in dnc,
        callback=callbacks.get(user_id),
        last_outcome=known_outcome(outcome),
        last_reached_at=score["last_contact_at"] if score else None,
        failed_attempts=score["failed_attempts"] if score else 0,
        next_call_after=score["next_call_after"] if score else None,
        wrong_number_phone=block["wrong_number_phone"] if block else None,
        no_claim_fingerprint=block["no_claim_fingerprint"] if block else None,
        last_called_at=score["last_called_at"] if score else None,
    )



# An entry's columns as written, in order: its place, then the facts it was scored from.
_ENTRY = ("user_id", "queue_type", "score", "next_call_after", "callback_id",
          "personal_agent_id", "due_at", "next_change_at", "basis_date_of_birth",
          "basis_post_code", "basis_lenders", "basis_claims_created", "basis_last_outcome",
          "basis_last_reached_at", "basis_failed_attempts", "basis_last_called_at",
          "scored_at", "scored_version", "scored_arm", "scored_snapshot",
          *(name for name, _ in HABIT_COLUMNS))
_TYPES = ("bigint", "varchar(24)", "float8", "timestamptz", "bigint", "uuid", "timestamptz",
          "timestamptz", "date", "text", "text[]", "timestamptz[]", "varchar(32)",
          "timestamptz", "int", "timestamptz", "timestamptz", "int", "varchar(16)", "int",
          *(kind for _, kind in HABIT_COLUMNS))
_ENTRY_COLUMNS = ", ".join(_ENTRY)
_STAGED = ", ".join(f"{c} {t}" for c, t in zip(_ENTRY, _TYPES, strict=True))
_UPSERT = (
    f"INSERT INTO queue_entries ({_ENTRY_COLUMNS}, updated_at) SELECT *, now() FROM entries_in "
    "ON CONFLICT (user_id) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in _ENTRY[1:]) + ", updated_at = now(), "
    # A move to another queue ends any lease on the old one.
    "lease_id = CASE WHEN queue_entries.queue_type = EXCLUDED.queue_type "
    "THEN queue_entries.lease_id END, "
    "leased_to = CASE WHEN queue_entries.queue_type = EXCLUDED.queue_type "
    "THEN queue_entries.leased_to END, "
    "lease_expires_at = CASE WHEN queue_entries.queue_type = EXCLUDED.queue_type "
    "THEN queue_entries.lease_expires_at END")

_WRITE_FEW = """
WITH upserted AS (
    INSERT INTO queue_entries ({columns}, updated_at)
    SELECT {unnest}, now() FROM {arrays} AS v({columns})
    {conflict}
    RETURNING 1
), removed AS (
    DELETE FROM queue_entries WHERE user_id = ANY(${removed}::bigint[]) RETURNING 1
), recorded AS (
    INSERT INTO queue_events (user_id, kind, from_queue, to_queue, score, reason, occurred_at,
                              cause)
    SELECT * FROM unnest({events})
    RETURNING 1
)
SELECT (SELECT count(*) FROM upserted) + (SELECT count(*) FROM removed)
""".format(
    columns=_ENTRY_COLUMNS,
    # Arrays of arrays must be square: each user's claims travel as a JSON array.
    unnest=", ".join(f"CASE WHEN v.{c} IS NOT NULL THEN ARRAY(SELECT "
                     f"jsonb_array_elements_text(v.{c}::jsonb))::{t} END"
                     if t.endswith("[]") else f"v.{c}"
                     for c, t in zip(_ENTRY, _TYPES, strict=True)),
    arrays="unnest(" + ", ".join(
        f"${n}::{'text' if t.endswith('[]') else t}[]"
        for n, t in enumerate(_TYPES, 1)) + ")",
    removed=len(_ENTRY) + 1,
    events=", ".join(f"${len(_ENTRY) + 1 + n}::{t}[]" for n, t in enumerate(
        ("bigint", "varchar", "varchar", "varchar", "float8", "varchar", "timestamptz",
         "varchar"), 1)),
    conflict=_UPSERT[_UPSERT.index("ON CONFLICT"):])


async def _write_few(conn, upserts: list[QueueEntry], removed: list[int],
                     changes: list[QueueChanged]) -> int:
    """The same writes as the bulk path, in one statement (the incremental path)."""
    if not (upserts or removed or changes):
        return 0
    rows = [tuple(_joined(v) if t.endswith("[]") else v for v, t in zip(row, _TYPES, strict=True))
            for row in _entry_rows(upserts)]
    return await conn.fetchval(_WRITE_FEW, *_columns(rows, len(_ENTRY)), removed,
                               *_columns(_event_rows(changes), 8))


def _joined(values: list | None) -> str | None:
    """An array as JSON text for the statement above."""
    if values is None:
        return None
    return json.dumps([v.isoformat() if hasattr(v, "isoformat") else v for v in values])


def _entry_rows(entries: list[QueueEntry]) -> list[tuple]:
    return [(e.user_id, e.queue_type.value, e.score, e.next_call_after, e.callback_id,
             e.personal_agent_id, e.due_at, e.next_change_at, *_basis_columns(e.basis),
             *_scored_columns(e.scored), *habit_values(e.basis and e.basis.habits))
            for e in entries]


def _scored_columns(scored: Scored | None) -> tuple:
    return (None,) * 4 if scored is None else (scored.at, scored.version, scored.arm,
                                               scored.snapshot)


def _basis_columns(basis: ScoringFacts | None) -> tuple:
    if basis is None:
        return (None,) * 8
    return (basis.date_of_birth, basis.post_code, [lender for lender, _ in basis.open_claims],
            [created for _, created in basis.open_claims],
            basis.last_outcome.value if basis.last_outcome else None, basis.last_reached_at,
            basis.failed_attempts, basis.last_called_at)


def entry_from_row(r) -> QueueEntry:
    """An entry as current_entries reads it (the columns of _ENTRY)."""
    basis = None if r["basis_failed_attempts"] is None else ScoringFacts(
        user_id=r["user_id"], date_of_birth=r["basis_date_of_birth"],
        open_claims=tuple(zip(r["basis_lenders"], r["basis_claims_created"], strict=True)),
        post_code=r["basis_post_code"],
        last_outcome=CallOutcome(r["basis_last_outcome"]) if r["basis_last_outcome"] else None,
        last_reached_at=r["basis_last_reached_at"],
        failed_attempts=r["basis_failed_attempts"], habits=habits_from_row(r),
        queue_type=r["queue_type"], last_called_at=r["basis_last_called_at"])
    scored = None if r["scored_at"] is None else Scored(r["scored_at"], r["scored_version"],
                                                         r["scored_arm"], r["scored_snapshot"])
    return QueueEntry(r["user_id"], QueueType(r["queue_type"]), r["score"],
                      r["next_call_after"], r["callback_id"], r["personal_agent_id"],
                      r["due_at"], r["next_change_at"], basis, scored)


def _event_rows(changes: list[QueueChanged]) -> list[tuple]:
    return [(c.user_id, c.kind.value, c.from_queue and c.from_queue.value,
             c.to_queue and c.to_queue.value, c.score, c.reason[:200], c.occurred_at,
             c.cause.value) for c in changes]


def _columns(rows: list[tuple], width: int) -> list[list]:
    """Rows as one list per column (for unnest)."""
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[]] * width


def _habits_by_choice(found: dict[int, dict[int, UserHabits]], rules_for: RulesForUser,
                      user_ids: list[int]) -> dict[int, UserHabits]:
    """Of each user's habits in every snapshot read, those of the snapshot their rules read."""
    chosen = {}
    for user_id in user_ids:
        snapshot = rules_for(user_id).snapshot
        habits = found.get(snapshot, {}).get(user_id) if snapshot is not None else None
        if habits is not None:
            chosen[user_id] = habits
    return chosen


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
        """The dialler's own facts for every user in ``numbers`` (their E.164 or None)."""
        facts = await (self._facts_of_users(numbers, now) if keys.ids is not None
                       else self._facts_of_range(keys, numbers, now))
        return await self._with_habits(facts)

    async def _with_habits(self, facts: dict[int, DiallerFacts]) -> dict[int, DiallerFacts]:
        """Each user's habits from the snapshot their rule set reads (when it reads one)."""
        in_play = await self._rule_book.in_play(self.conn, self._read)
        if not in_play.snapshots or not facts:
            return facts
        ids = list(facts)
        found = {v: await user_habits(self.conn, v, ids) for v in sorted(in_play.snapshots)}
        for user_id, habits in _habits_by_choice(found, in_play.rules_for, ids).items():
            facts[user_id] = replace(facts[user_id], habits=habits)
        return facts

    async def _facts_of_range(self, keys: Keys, numbers: dict[int, str | None],
                              now: datetime) -> dict[int, DiallerFacts]:
        conn, (where_sql, args) = self.conn, where(keys)
        dnc = {r[0] for r in await conn.fetch(
            f"SELECT user_id FROM do_not_call WHERE {where_sql}", *args)}
        callbacks = {r["user_id"]: DueCallback(r["id"], r["scheduled_for"], r["agent_id"])
                     for r in await conn.fetch(
            "SELECT DISTINCT ON (user_id) user_id, id, scheduled_for, "
            "CASE WHEN personal THEN agent_id END AS agent_id FROM callbacks "
            f"WHERE status = 'pending' AND scheduled_for <= ${len(args) + 1} AND {where_sql} "
            "ORDER BY user_id, scheduled_for, id", *args, now)}
        scores = {r["user_id"]: r for r in await conn.fetch(
            "SELECT user_id, last_outcome, last_contact_at, failed_attempts, next_call_after, "
            f"last_called_at FROM call_scores WHERE {where_sql}", *args)}
        blocks = {r["user_id"]: r for r in await conn.fetch(
            f"SELECT user_id, wrong_number_phone, no_claim_fingerprint FROM call_blocks "
            f"WHERE {where_sql}", *args)}
        return {u: _facts(u, e164, dnc, callbacks, scores, blocks)
                for u, e164 in numbers.items()}

    async def _facts_of_users(self, numbers: dict[int, str | None],
                              now: datetime) -> dict[int, DiallerFacts]:
        rows = await self.conn.fetch(_FACTS_OF_USERS, list(numbers), now)
        dnc = {r["user_id"] for r in rows if r["dnc"]}
        callbacks = {r["user_id"]: DueCallback(r["callback_id"], r["scheduled_for"],
                                               r["agent_id"])
                     for r in rows if r["callback_id"] is not None}
        scores = {r["user_id"]: r for r in rows if r["scored"]}
        blocks = {r["user_id"]: r for r in rows if r["blocked"]}
        return {u: _facts(u, e164, dnc, callbacks, scores, blocks)
                for u, e164 in numbers.items()}

    async def current_entries(self, keys: Keys) -> dict[int, QueueEntry]:
        where_sql, args = where(keys)
        rows = await self.conn.fetch(
            f"SELECT {_ENTRY_COLUMNS} FROM queue_entries WHERE {where_sql}", *args)
        return {r["user_id"]: entry_from_row(r) for r in rows}

    async def write_changes(self, before: dict[int, QueueEntry], after: dict[int, QueueEntry],
                            changes: list[QueueChanged]) -> int:
        """Apply the difference in bulk; returns how many rows were written or deleted."""
        upserts = [e for u, e in after.items() if before.get(u) != e]
        removed = [u for u in before if u not in after]
        if len(upserts) + len(removed) + len(changes) <= FEW_ROWS:
            return await _write_few(self.conn, upserts, removed, changes)
        conn = self.conn
        if upserts:
            await through_staging(conn, "entries_in", _STAGED, _entry_rows(upserts), _UPSERT)
        if removed:
            await conn.execute("DELETE FROM queue_entries WHERE user_id = ANY($1::bigint[])",
                               removed)
        if changes:
            await conn.copy_records_to_table(
                "queue_events",
                columns=["user_id", "kind", "from_queue", "to_queue", "score", "reason",
                         "occurred_at", "cause"], records=_event_rows(changes))
        return len(upserts) + len(removed)

    async def inputs_seen(self, keys: Keys) -> dict[int, InputsSeen]:
        return await queue_inputs.inputs_seen(self.conn, keys)

    async def dialler_digests(self, keys: Keys, now: datetime) -> dict[int, int]:
        return await queue_inputs.dialler_digests(self.conn, keys, now)

    async def unseen_entries(self, keys: Keys) -> set[int]:
        return await queue_inputs.unseen_entries(self.conn, keys)

    async def keep_inputs(self, seen: Mapping[int, InputsSeen], forgotten: Sequence[int]
                          ) -> None:
        await queue_inputs.keep_inputs(self.conn, seen, forgotten)

    async def owe(self, user_ids: Sequence[int], now: datetime) -> None:
        await mark_dirty(self.conn, list(user_ids), now)


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
    async def for_users(self, user_ids: Sequence[int], started: int, *,
                        fresh_facts: bool = True) -> AsyncIterator[PgQueueStore]:
        ids = sorted(set(user_ids))
        ranges = sorted({lock_key(u // self.range_size) for u in ids})
        users = sorted({lock_key(u) for u in ids})
        loop = asyncio.get_running_loop()
        deadline, pause = loop.time() + self._lock_wait, 0.005
        while True:
            async with self._pool.acquire() as conn, conn.transaction():
                if await conn.fetchval(_TRY_LOCKS, RANGE_LOCKS, ranges, USER_LOCKS, users):
                    read = await conn.fetchrow(_NEWER, ids, started, self.range_size,
                                               fresh_facts)
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

    async def due_for_rescore(self, now: datetime, limit: int) -> list[int]:
        rows = await self._pool.fetch(
            "SELECT user_id FROM queue_entries WHERE next_change_at <= $1 "
            "ORDER BY next_change_at LIMIT $2", now, limit)
        return [r["user_id"] for r in rows]

    async def dirty_users(self, older_than: datetime, limit: int) -> list[int]:
        rows = await self._pool.fetch(
            "SELECT user_id FROM queue_dirty WHERE marked_at < $1 ORDER BY marked_at LIMIT $2",
            older_than, limit)
        return [r["user_id"] for r in rows]
