"""Recording a disposition and scheduling callbacks, each in one transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from domain.access.rule import CallbackChanger
from domain.calls.callbacks import COMPLETED, PENDING, PendingCallback, completed_by_call
from domain.calls.disposition import DispositionEffects, InvalidDisposition, NotYourCallback
from domain.queue.builder import RulesForUser
from domain.queue.leads import ENDED_BY_DISPOSITION, LeaseHold, why_not_held
from domain.queue.ports import CallbackStore
from domain.users.do_not_call import DoNotCallReason
from infrastructure.postgres.do_not_call_sql import add_entry
from infrastructure.postgres.rule_sets import STAMP_COLUMNS, RuleBook


@dataclass(frozen=True, slots=True)
class RecordedDisposition:
    user_id: int
    queue_type: str


# The lease, locked, with the user's pending callbacks (a disposition may complete them).
_LEASE = f"""
SELECT l.*, ARRAY(SELECT c.id FROM callbacks c WHERE c.user_id = l.user_id
                  AND c.status = '{PENDING}' ORDER BY c.id) AS pending_ids,
       ARRAY(SELECT c.scheduled_for FROM callbacks c WHERE c.user_id = l.user_id
             AND c.status = '{PENDING}' ORDER BY c.id) AS pending_due
FROM leases l WHERE l.id = $1 FOR UPDATE OF l
"""


async def _held_lease(conn: asyncpg.Connection, lease_id: uuid.UUID, agent_id: uuid.UUID,
                      now: datetime) -> asyncpg.Record:
    """The lease row, locked, if the agent may record its disposition now."""
    lease = await conn.fetchrow(_LEASE, lease_id)
    hold = None if lease is None else LeaseHold(
        lease["agent_id"], lease["expires_at"], lease["ended_at"], lease["end_reason"])
    refusal = why_not_held(hold, agent_id, now)
    if refusal:
        raise InvalidDisposition(refusal)
    return lease


# A user whose queue update is owed (the earliest time it was, if already).
_OWE = ("INSERT INTO queue_dirty (user_id, marked_at) SELECT u, {at} FROM unnest({users}) u "
        "ON CONFLICT (user_id) DO UPDATE SET marked_at = "
        "LEAST(queue_dirty.marked_at, EXCLUDED.marked_at)")
_MARK_DIRTY = _OWE.format(users="$1::bigint[]", at="$2")
# The lease ends with its disposition; its entry is held off until its recompute
# rewrites it (should that recompute fail, the entry must not be handed out again before
# the cool-down the outcome set), and that recompute is owed until it commits.
_END_LEASE = """
WITH ended AS (
    UPDATE leases SET ended_at = $2, end_reason = $5 WHERE id = $1
), forgotten AS (
    DELETE FROM queue_inputs WHERE user_id = $4
), held AS (
    UPDATE queue_entries SET lease_id = NULL, leased_to = NULL, lease_expires_at = NULL,
        next_call_after = COALESCE($3::timestamptz, 'infinity'),
        due_at = CASE WHEN queue_type = 'CALLBACK' THEN 'infinity' ELSE due_at END
    WHERE lease_id = $1
)
{owe}
""".format(owe=_OWE.format(users="ARRAY[$4::bigint]", at="$2"))


async def record(conn: asyncpg.Connection, *, lease_id: uuid.UUID, agent_id: uuid.UUID,
                 effects: DispositionEffects, notes: str | None, call_sid: str | None,
                 claims_fingerprint: str | None, now: datetime) -> RecordedDisposition:
    """Everything a disposition changes, or nothing (the caller's transaction)."""
    lease = await _held_lease(conn, lease_id, agent_id, now)
    user_id = lease["user_id"]
    disposition_id = await conn.fetchval(
        "INSERT INTO dispositions (lease_id, user_id, agent_id, queue_type, outcome, notes, "
        "call_sid, next_call_after, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) "
        "RETURNING id",
        lease_id, user_id, agent_id, lease["queue_type"], effects.outcome.value, notes,
        call_sid, effects.next_call_after, now)
    if call_sid:
        await _tie_call(conn, call_sid, disposition_id, effects, agent_id, user_id, now)
    await conn.execute(
        "INSERT INTO call_scores (user_id, current_score, total_attempts, failed_attempts, "
        "last_outcome, last_called_at, last_contact_at, next_call_after, updated_at) "
        "VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $5) ON CONFLICT (user_id) DO UPDATE SET "
        "total_attempts = call_scores.total_attempts + 1, "
        "failed_attempts = call_scores.failed_attempts + EXCLUDED.failed_attempts, "
        "last_outcome = EXCLUDED.last_outcome, last_called_at = EXCLUDED.last_called_at, "
        "last_contact_at = COALESCE(EXCLUDED.last_contact_at, call_scores.last_contact_at), "
        "next_call_after = EXCLUDED.next_call_after, updated_at = EXCLUDED.updated_at",
        user_id, lease["score"], int(effects.failed_attempt), effects.outcome.value, now,
        now if effects.reached else None, effects.next_call_after)
    await _blocks(conn, user_id, effects, claims_fingerprint)
    if effects.do_not_call:
        await add_entry(conn, user_id=user_id, e164=None, reason=DoNotCallReason.DISPOSITION,
                        note=notes, by=agent_id, now=now)
    await _close_callbacks(conn, lease, now)
    if effects.callback_at:
        await schedule(conn, user_id, effects.callback_at, agent_id, True, None, now)
    await conn.execute(_END_LEASE, lease_id, now, effects.next_call_after, user_id,
                       ENDED_BY_DISPOSITION)
    return RecordedDisposition(user_id, lease["queue_type"])


async def _tie_call(conn, call_sid: str, disposition_id: int, effects: DispositionEffects,
                    agent_id: uuid.UUID, user_id: int, now: datetime) -> None:
    """The agent's call with this user carries the outcome; any other sid is refused."""
    tied = await conn.fetchval(
        "UPDATE calls SET outcome = $2, disposition_id = $3, updated_at = $4 "
        "WHERE twilio_sid = $1 AND agent_id = $5 AND user_id = $6 RETURNING id",
        call_sid, effects.outcome.value, disposition_id, now, agent_id, user_id)
    if tied is None:
        raise InvalidDisposition(f"callSid {call_sid} is not a call of yours with this user")


async def _blocks(conn, user_id: int, effects: DispositionEffects,
                  claims_fingerprint: str | None) -> None:
    if effects.block_wrong_number:
        await block_wrong_number(conn, user_id)
    if effects.block_no_claim and claims_fingerprint:
        await conn.execute(
            "INSERT INTO call_blocks (user_id, no_claim_fingerprint) VALUES ($1, $2) "
            "ON CONFLICT (user_id) DO UPDATE SET no_claim_fingerprint = $2",
            user_id, claims_fingerprint)


async def block_wrong_number(conn, user_id: int) -> None:
    """Out of every queue until the number on file changes."""
    await conn.execute(
        "INSERT INTO call_blocks (user_id, wrong_number_phone) SELECT $1, raw FROM "
        "user_phones WHERE user_id = $1 ON CONFLICT (user_id) DO UPDATE SET "
        "wrong_number_phone = EXCLUDED.wrong_number_phone", user_id)


async def _close_callbacks(conn, lease: asyncpg.Record, now: datetime) -> None:
    """Of the pending callbacks read with the lease, marks those the call completes."""
    pending = [PendingCallback(i, at) for i, at in
               zip(lease["pending_ids"], lease["pending_due"], strict=True)]
    completed = completed_by_call(lease["queue_type"], pending, now)
    if completed:
        await conn.execute(
            "UPDATE callbacks SET status = $3, updated_at = $2 WHERE id = ANY($1::bigint[]) "
            "AND status = $4", completed, now, COMPLETED, PENDING)


async def mark_dirty(conn, user_ids: list[int], now: datetime) -> None:
    """With the change itself: the queue update is owed until a recompute commits."""
    await conn.execute(_MARK_DIRTY, user_ids, now)


async def schedule(conn, user_id: int, at: datetime, agent_id: uuid.UUID | None,
                   personal: bool, note: str | None, now: datetime,
                   changer: CallbackChanger | None = None) -> asyncpg.Record:
    """A new pending callback; one still pending for the user is superseded (rescheduled),
    unless ``changer`` may not move it (NotYourCallback)."""
    if changer is not None:
        await _check_changer(conn, changer, await conn.fetch(
            "SELECT id, agent_id, personal FROM callbacks WHERE user_id = $1 "
            "AND status = 'pending' FOR UPDATE", user_id))
    await conn.execute(
        "UPDATE callbacks SET status = 'rescheduled', updated_at = $2 WHERE user_id = $1 "
        "AND status = 'pending'", user_id, now)
    return await conn.fetchrow(
        "INSERT INTO callbacks (user_id, scheduled_for, status, personal, agent_id, note, "
        "created_at, updated_at) VALUES ($1, $2, 'pending', $3, $4, $5, $6, $6) RETURNING *",
        user_id, at, personal, agent_id, note, now)


async def _check_changer(conn, changer: CallbackChanger, rows: list[asyncpg.Record]) -> None:
    for row in rows:
        if not changer.may_change(row["agent_id"], row["personal"]):
            raise NotYourCallback(row["id"])


async def cancel(conn, callback_id: int, now: datetime,
                 changer: CallbackChanger | None = None) -> asyncpg.Record | None:
    if changer is not None:
        await _check_changer(conn, changer, await conn.fetch(
            "SELECT id, agent_id, personal FROM callbacks WHERE id = $1 FOR UPDATE",
            callback_id))
    return await conn.fetchrow(
        "UPDATE callbacks SET status = CASE WHEN status = 'pending' THEN 'cancelled' "
        "ELSE status END, updated_at = $2 WHERE id = $1 RETURNING *", callback_id, now)


async def users_with_newly_due_callbacks(conn, since: datetime, now: datetime) -> list[int]:
    """Users whose pending callback fell due in (since, now]: they move to CALLBACK now."""
    rows = await conn.fetch(
        "SELECT DISTINCT user_id FROM callbacks WHERE status = 'pending' "
        "AND scheduled_for > $1 AND scheduled_for <= $2", since, now)
    return [r["user_id"] for r in rows]


class PgCallbackStore(CallbackStore):
    def __init__(self, pool: asyncpg.Pool, rule_book: RuleBook):
        self._pool, self._rule_book = pool, rule_book

    async def lease_user(self, lease_id: uuid.UUID) -> tuple[int, RulesForUser] | None:
        async with self._pool.acquire() as conn:
            row = await conn.fetchrow(f"SELECT user_id, {STAMP_COLUMNS} FROM leases "
                                      "WHERE id = $1", lease_id)
            return (row["user_id"], await self._rule_book.current(conn, row)) if row else None

    async def record_disposition(self, **kwargs) -> int:
        async with self._pool.acquire() as conn, conn.transaction():
            return (await record(conn, **kwargs)).user_id

    async def schedule_callback(self, user_id: int, at: datetime, changer: CallbackChanger,
                                personal: bool, note: str | None, now: datetime) -> dict:
        async with self._pool.acquire() as conn, conn.transaction():
            row = dict(await schedule(conn, user_id, at, changer.agent_id, personal, note, now,
                                      changer))
            await mark_dirty(conn, [user_id], now)
        return row

    async def cancel_callback(self, callback_id: int, now: datetime,
                              changer: CallbackChanger) -> dict | None:
        async with self._pool.acquire() as conn, conn.transaction():
            row = await cancel(conn, callback_id, now, changer)
            if row:
                await mark_dirty(conn, [row["user_id"]], now)
        return dict(row) if row else None


    async def callback_user(self, callback_id: int) -> int | None:
        async with self._pool.acquire() as conn:
            return await conn.fetchval("SELECT user_id FROM callbacks WHERE id = $1",
                                       callback_id)


async def users_due_between(pool: asyncpg.Pool, since: datetime, now: datetime) -> list[int]:
    async with pool.acquire() as conn:
        return await users_with_newly_due_callbacks(conn, since, now)
