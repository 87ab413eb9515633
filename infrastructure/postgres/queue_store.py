"""Statements over the dialler's queue tables (asyncpg, for bulk work).

Reads take a key condition — a range of user ids (rebuild) or a list (incremental) —
and every write of one batch happens inside the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime

from domain.calls.outcomes import CallOutcome
from domain.queue.facts import DiallerFacts, DueCallback
from domain.queue.model import QueueChanged, QueueEntry, QueueType
from domain.queue.ports import Keys


def where(keys: Keys, column: str = "user_id") -> tuple[str, list]:
    """``user_id BETWEEN $1 AND $2`` or ``user_id = ANY($1)``, with the arguments."""
    if keys.ids is not None:
        return f"{column} = ANY($1::bigint[])", [list(keys.ids)]
    return f"{column} BETWEEN $1 AND $2", [keys.low, keys.high]


async def dialler_facts(conn, keys: Keys, phones: dict[int, str | None],
                        now: datetime) -> dict[int, DiallerFacts]:
    """The dialler's own facts for every user in ``phones`` (their E.164 or None)."""
    if keys.ids is not None:
        return await _facts_of_users(conn, phones, now)
    where_sql, args = where(keys)
    dnc = {r[0] for r in await conn.fetch(f"SELECT user_id FROM do_not_call WHERE {where_sql}",
                                          *args)}
    callbacks = {r["user_id"]: DueCallback(r["id"], r["scheduled_for"], r["agent_id"])
                 for r in await conn.fetch(
        "SELECT DISTINCT ON (user_id) user_id, id, scheduled_for, "
        "CASE WHEN personal THEN agent_id END AS agent_id FROM callbacks "
        f"WHERE status = 'pending' AND scheduled_for <= ${len(args) + 1} AND {where_sql} "
        "ORDER BY user_id, scheduled_for, id", *args, now)}
    scores = {r["user_id"]: r for r in await conn.fetch(
        "SELECT user_id, last_outcome, last_contact_at, failed_attempts, next_call_after "
        f"FROM call_scores WHERE {where_sql}", *args)}
    blocks = {r["user_id"]: r for r in await conn.fetch(
        f"SELECT user_id, wrong_number_phone, no_claim_fingerprint FROM call_blocks "
        f"WHERE {where_sql}", *args)}
    return {u: _facts(u, e164, dnc, callbacks, scores, blocks) for u, e164 in phones.items()}


# The same four reads for a few users in one round trip (the incremental path).
_FACTS_OF_USERS = """
SELECT u.user_id, d.user_id IS NOT NULL AS dnc, s.user_id IS NOT NULL AS scored,
       s.last_outcome, s.last_contact_at, s.failed_attempts, s.next_call_after,
       b.user_id IS NOT NULL AS blocked, b.wrong_number_phone, b.no_claim_fingerprint,
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


async def _facts_of_users(conn, phones: dict[int, str | None],
                          now: datetime) -> dict[int, DiallerFacts]:
    rows = await conn.fetch(_FACTS_OF_USERS, list(phones), now)
    dnc = {r["user_id"] for r in rows if r["dnc"]}
    callbacks = {r["user_id"]: DueCallback(r["callback_id"], r["scheduled_for"], r["agent_id"])
                 for r in rows if r["callback_id"] is not None}
    scores = {r["user_id"]: r for r in rows if r["scored"]}
    blocks = {r["user_id"]: r for r in rows if r["blocked"]}
    return {u: _facts(u, e164, dnc, callbacks, scores, blocks) for u, e164 in phones.items()}


def _facts(user_id, e164, dnc, callbacks, scores, blocks) -> DiallerFacts:
    score, block = scores.get(user_id), blocks.get(user_id)
    outcome = score["last_outcome"] if score else None
    return DiallerFacts(
        phone_dialable=e164 is not None, do_not_call=user_id in dnc,
        callback=callbacks.get(user_id),
        last_outcome=CallOutcome(outcome) if outcome in CallOutcome._value2member_map_ else None,
        last_reached_at=score["last_contact_at"] if score else None,
        failed_attempts=score["failed_attempts"] if score else 0,
        next_call_after=score["next_call_after"] if score else None,
        wrong_number_phone=block["wrong_number_phone"] if block else None,
        no_claim_fingerprint=block["no_claim_fingerprint"] if block else None,
    )


async def current_entries(conn, keys: Keys) -> dict[int, QueueEntry]:
    where_sql, args = where(keys)
    rows = await conn.fetch(
        "SELECT user_id, queue_type, score, next_call_after, callback_id, personal_agent_id, "
        f"due_at FROM queue_entries WHERE {where_sql}", *args)
    return {r["user_id"]: QueueEntry(r["user_id"], QueueType(r["queue_type"]), r["score"],
                                     r["next_call_after"], r["callback_id"],
                                     r["personal_agent_id"], r["due_at"]) for r in rows}


_FEW = 100  # below this, arrays in one statement beat a temp table and COPY

_TEMP = ("CREATE TEMP TABLE IF NOT EXISTS entries_in (user_id bigint, queue_type varchar(24), "
         "score float8, next_call_after timestamptz, callback_id bigint, "
         "personal_agent_id uuid, due_at timestamptz) ON COMMIT DELETE ROWS")
_UPSERT = (
    "INSERT INTO queue_entries (user_id, queue_type, score, next_call_after, callback_id, "
    "personal_agent_id, due_at, updated_at) SELECT *, now() FROM entries_in "
    "ON CONFLICT (user_id) DO UPDATE SET queue_type = EXCLUDED.queue_type, "
    "score = EXCLUDED.score, next_call_after = EXCLUDED.next_call_after, "
    "callback_id = EXCLUDED.callback_id, personal_agent_id = EXCLUDED.personal_agent_id, "
    "due_at = EXCLUDED.due_at, updated_at = now(), "
    # A move to another queue ends any lease on the old one.
    "lease_id = CASE WHEN queue_entries.queue_type = EXCLUDED.queue_type "
    "THEN queue_entries.lease_id END, "
    "leased_to = CASE WHEN queue_entries.queue_type = EXCLUDED.queue_type "
    "THEN queue_entries.leased_to END, "
    "lease_expires_at = CASE WHEN queue_entries.queue_type = EXCLUDED.queue_type "
    "THEN queue_entries.lease_expires_at END")


async def write_changes(conn, before: dict[int, QueueEntry], after: dict[int, QueueEntry],
                        changes: list[QueueChanged]) -> int:
    """Apply the difference in bulk; returns how many rows were written or deleted."""
    upserts = [e for u, e in after.items() if before.get(u) != e]
    removed = [u for u in before if u not in after]
    if len(upserts) + len(removed) + len(changes) <= _FEW:
        return await _write_few(conn, upserts, removed, changes)
    if upserts:
        await conn.execute(_TEMP)
        await conn.copy_records_to_table("entries_in", records=[
            (e.user_id, e.queue_type.value, e.score, e.next_call_after, e.callback_id,
             e.personal_agent_id, e.due_at) for e in upserts])
        await conn.execute(_UPSERT)
        await conn.execute("TRUNCATE entries_in")
    if removed:
        await conn.execute("DELETE FROM queue_entries WHERE user_id = ANY($1::bigint[])",
                           removed)
    if changes:
        await conn.copy_records_to_table(
            "queue_events",
            columns=["user_id", "kind", "from_queue", "to_queue", "score", "reason",
                     "occurred_at"],
            records=[(c.user_id, c.kind.value, c.from_queue and c.from_queue.value,
                      c.to_queue and c.to_queue.value, c.score, c.reason[:200], c.occurred_at)
                     for c in changes])
    return len(upserts) + len(removed)


_WRITE_FEW = """
WITH upserted AS (
    INSERT INTO queue_entries (user_id, queue_type, score, next_call_after, callback_id,
                               personal_agent_id, due_at, updated_at)
    SELECT *, now() FROM unnest($1::bigint[], $2::varchar[], $3::float8[], $4::timestamptz[],
                                $5::bigint[], $6::uuid[], $7::timestamptz[])
    {conflict}
    RETURNING 1
), removed AS (
    DELETE FROM queue_entries WHERE user_id = ANY($8::bigint[]) RETURNING 1
), recorded AS (
    INSERT INTO queue_events (user_id, kind, from_queue, to_queue, score, reason, occurred_at)
    SELECT * FROM unnest($9::bigint[], $10::varchar[], $11::varchar[], $12::varchar[],
                         $13::float8[], $14::varchar[], $15::timestamptz[])
    RETURNING 1
)
SELECT (SELECT count(*) FROM upserted) + (SELECT count(*) FROM removed)
""".format(conflict=_UPSERT[_UPSERT.index("ON CONFLICT"):])


async def _write_few(conn, upserts: list[QueueEntry], removed: list[int],
                     changes: list[QueueChanged]) -> int:
    """The same writes as the bulk path, in one statement (the incremental path)."""
    if not (upserts or removed or changes):
        return 0
    entries = [(e.user_id, e.queue_type.value, e.score, e.next_call_after, e.callback_id,
                e.personal_agent_id, e.due_at) for e in upserts]
    events = [(c.user_id, c.kind.value, c.from_queue and c.from_queue.value,
               c.to_queue and c.to_queue.value, c.score, c.reason[:200], c.occurred_at)
              for c in changes]
    return await conn.fetchval(_WRITE_FEW, *_columns(entries, 7), removed,
                               *_columns(events, 7))


def _columns(rows: list[tuple], width: int) -> list[list]:
    """Rows as one list per column (for unnest)."""
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[]] * width
