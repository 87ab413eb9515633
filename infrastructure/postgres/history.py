"""Imported calls and texts over asyncpg: into calls and sms_messages, like the dialler's own,
and their effect on call_scores."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import datetime

import asyncpg

from domain.calls.outcomes import known_outcome
from domain.history.ports import HistoryBatch, HistoryStore
from domain.history.records import HistoryRecord
from domain.scoring.model import CallScore
from infrastructure.postgres.dispositions import mark_dirty
from infrastructure.postgres.staging import through_staging

_STAGED = ("external_id varchar(128), user_id bigint, occurred_at timestamptz, "
           "channel varchar(8), direction varchar(16), outcome varchar(32), talk_seconds int, "
           "agent_id uuid, agent_email varchar(320)")
# A call's status from its outcome; a text's from what the source says became of it.
_INSERT = """
WITH calls_in AS (
    INSERT INTO calls (id, direction, status, user_id, agent_id, outcome, started_at,
                       answered_at, ended_at, talk_seconds, updated_at, external_id,
                       agent_email)
    SELECT gen_random_uuid(), direction,
           CASE outcome WHEN 'busy' THEN 'BUSY' WHEN 'no_answer' THEN 'NO_ANSWER'
                        WHEN 'failed' THEN 'FAILED' ELSE 'COMPLETED' END,
           user_id, agent_id, outcome, occurred_at,
           CASE WHEN talk_seconds > 0 THEN occurred_at END,
           occurred_at + make_interval(secs => coalesce(talk_seconds, 0)),
           coalesce(talk_seconds, 0), $1, external_id, agent_email
    FROM history_in WHERE channel = 'call'
    ON CONFLICT (external_id) DO NOTHING RETURNING external_id
), texts_in AS (
    INSERT INTO sms_messages (user_id, direction, body, status, agent_id, created_at,
                              updated_at, external_id, agent_email, replied)
    SELECT user_id, direction, '',
           CASE WHEN direction = 'INBOUND' THEN 'RECEIVED'
                WHEN outcome IN ('delivered', 'replied') THEN 'DELIVERED'
                WHEN outcome = 'failed' THEN 'FAILED' ELSE 'SENT' END,
           agent_id, occurred_at, $1, external_id, agent_email,
           CASE WHEN direction = 'OUTBOUND' THEN outcome = 'replied' END
    FROM history_in WHERE channel = 'sms'
    ON CONFLICT (external_id) DO NOTHING RETURNING external_id
)
SELECT external_id FROM calls_in UNION ALL SELECT external_id FROM texts_in
"""
_SAVE = """
INSERT INTO call_scores (user_id, current_score, total_attempts, failed_attempts,
                         last_outcome, last_called_at, last_contact_at, next_call_after,
                         updated_at)
SELECT u, 0, t, f, o, c, r, n, $8
FROM unnest($1::bigint[], $2::int[], $3::int[], $4::varchar[], $5::timestamptz[],
            $6::timestamptz[], $7::timestamptz[]) AS v(u, t, f, o, c, r, n)
ON CONFLICT (user_id) DO UPDATE SET total_attempts = EXCLUDED.total_attempts,
    failed_attempts = EXCLUDED.failed_attempts, last_outcome = EXCLUDED.last_outcome,
    last_called_at = EXCLUDED.last_called_at, last_contact_at = EXCLUDED.last_contact_at,
    next_call_after = EXCLUDED.next_call_after, updated_at = EXCLUDED.updated_at
"""


def _outcome(record: HistoryRecord) -> str | None:
    found = record.call_outcome or record.text_outcome
    return found.value if found else None


class PgHistoryBatch(HistoryBatch):
    def __init__(self, conn: asyncpg.Connection, now: datetime):
        self.conn, self._now = conn, now

    async def insert(self, records: Sequence[HistoryRecord],
                     agents: Mapping[str, uuid.UUID]) -> set[str]:
        rows = [(r.external_id, r.user_id, r.occurred_at, r.channel.value, r.direction.value,
                 _outcome(r), r.talk_seconds, agents.get(r.agent_email or ""),
                 None if r.agent_email in agents else r.agent_email) for r in records]
        found = await through_staging(self.conn, "history_in", _STAGED, rows, _INSERT,
                                      self._now)
        return {r[0] for r in found}

    async def call_scores(self, user_ids: Sequence[int]) -> dict[int, CallScore]:
        rows = await self.conn.fetch(
            "SELECT user_id, current_score, total_attempts, failed_attempts, last_outcome, "
            "last_called_at, last_contact_at, next_call_after, updated_at FROM call_scores "
            "WHERE user_id = ANY($1::bigint[]) ORDER BY user_id FOR UPDATE", list(user_ids))
        return {r[0]: CallScore(
            r[0], r[1], r[2], r[3],
            known_outcome(r[4]),
            r[5], r[6], r[7], r[8]) for r in rows}

    async def save_call_scores(self, scores: Sequence[CallScore]) -> None:
        if not scores:
            return
        await self.conn.execute(
            _SAVE, [x.user_id for x in scores], [x.total_attempts for x in scores],
            [x.failed_attempts for x in scores],
            [x.last_outcome.value if x.last_outcome else None for x in scores],
            [x.last_called_at for x in scores], [x.last_contact_at for x in scores],
            [x.next_call_after for x in scores], self._now)

    async def owe(self, user_ids: Sequence[int], now: datetime) -> None:
        if user_ids:
            await mark_dirty(self.conn, list(user_ids), now)


class PgHistoryStore(HistoryStore):
    def __init__(self, pool: asyncpg.Pool, clock: Callable[[], datetime]):
        self._pool, self._clock = pool, clock

    @contextlib.asynccontextmanager
    async def batch(self) -> AsyncIterator[PgHistoryBatch]:
        async with self._pool.acquire() as conn, conn.transaction():
            yield PgHistoryBatch(conn, self._clock())

    async def agent_ids(self, emails: Sequence[str]) -> dict[str, uuid.UUID]:
        if not emails:
            return {}
        rows = await self._pool.fetch(
            "SELECT lower(email), id FROM agents WHERE lower(email) = ANY($1::text[])",
            sorted(set(emails)))
        return {r[0]: r[1] for r in rows}
