"""The do-not-call entries and the blocked users' own rows they keep, inside the caller's
transaction (every writer of the list goes through here: supervisors, dispositions,
STOP and START)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

import asyncpg

from domain.users.do_not_call import DoNotCallEntry, DoNotCallReason, blocked_because

ENTRY_FIELDS = "id, user_id, e164, reason, note, created_at, created_by"
_SAME = (f"SELECT {ENTRY_FIELDS} FROM do_not_call_entries WHERE removed_at IS NULL "
         "AND reason = $1 AND user_id IS NOT DISTINCT FROM $2 "
         "AND e164 IS NOT DISTINCT FROM $3 ORDER BY id LIMIT 1")
_ADD = ("INSERT INTO do_not_call_entries (user_id, e164, reason, note, created_at, "
        f"created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING {ENTRY_FIELDS}")
_BLOCK = ("INSERT INTO do_not_call (user_id, reason, created_at) "
          "SELECT u, r, COALESCE($3::timestamptz, now()) "
          "FROM unnest($1::bigint[], $2::text[]) AS v(u, r) "
          "ON CONFLICT (user_id) DO NOTHING")
# The first entry still on the list that covers each user, by them or by their number.
_COVER = """
SELECT DISTINCT ON (k.u) k.u AS user_id, e.reason
FROM unnest($1::bigint[]) AS k(u)
LEFT JOIN user_phones p ON p.user_id = k.u
JOIN do_not_call_entries e ON e.removed_at IS NULL AND (e.user_id = k.u OR e.e164 = p.e164)
ORDER BY k.u, e.id
"""


def entry_from(row: asyncpg.Record) -> DoNotCallEntry:
    return DoNotCallEntry(row["id"], row["user_id"], row["e164"],
                          DoNotCallReason(row["reason"]), row["note"], row["created_at"],
                          row["created_by"])


async def add_entry(conn: asyncpg.Connection, *, user_id: int | None, e164: str | None,
                    reason: DoNotCallReason, note: str | None, by: uuid.UUID | None,
                    now: datetime) -> tuple[DoNotCallEntry, list[int]]:
    """The entry (an equal one on the list already serves) and the users blocked by it,
    each with their own row."""
    row = await conn.fetchrow(_SAME, reason.value, user_id, e164) or await conn.fetchrow(
        _ADD, user_id, e164, reason.value, note, now, by)
    users = [user_id] if user_id is not None else [r["user_id"] for r in await conn.fetch(
        "SELECT user_id FROM user_phones WHERE e164 = $1 ORDER BY user_id", e164)]
    await conn.execute(_BLOCK, users, [blocked_because(reason)] * len(users), now)
    return entry_from(row), users


async def remove_entries(conn: asyncpg.Connection, where: str, args: Iterable[object], *,
                         note: str | None, by: uuid.UUID | None,
                         now: datetime) -> tuple[list[DoNotCallEntry], list[int]]:
    """Takes the entries ``where`` picks off the list; the users they covered, whose own
    rows stay while another entry covers them."""
    values = list(args)
    n = len(values)
    removed = [entry_from(r) for r in await conn.fetch(
        f"UPDATE do_not_call_entries SET removed_at = ${n + 1}, removed_by = ${n + 2}, "
        f"removal_note = ${n + 3} WHERE removed_at IS NULL AND ({where}) "
        f"RETURNING {ENTRY_FIELDS}", *values, now, by, note)]
    users = {e.user_id for e in removed if e.user_id is not None}
    numbers = [e.e164 for e in removed if e.e164 is not None]
    if numbers:
        users |= {r["user_id"] for r in await conn.fetch(
            "SELECT user_id FROM user_phones WHERE e164 = ANY($1::text[])", numbers)}
    await _settle(conn, sorted(users), {blocked_because(e.reason) for e in removed}, now)
    return removed, sorted(users)


async def _settle(conn: asyncpg.Connection, users: list[int], lifted: set[str],
                  now: datetime | None) -> None:
    """A user's own row once entries went: another entry's words if one still covers
    them, else gone; a row the entries did not write (its words are none of ``lifted``)
    is left as it is."""
    covered = {r["user_id"]: DoNotCallReason(r["reason"])
               for r in await conn.fetch(_COVER, users)}
    still = [u for u in users if u in covered]
    await conn.execute("DELETE FROM do_not_call WHERE user_id = ANY($1::bigint[]) "
                       "AND reason = ANY($2::text[])",
                       [u for u in users if u not in covered], sorted(lifted))
    if still:
        await conn.execute(
            "UPDATE do_not_call d SET reason = v.r FROM unnest($1::bigint[], $2::text[]) "
            "AS v(u, r) WHERE d.user_id = v.u AND d.reason = ANY($3::text[])",
            still, [blocked_because(covered[u]) for u in still], sorted(lifted))
        await conn.execute(_BLOCK, still, [blocked_because(covered[u]) for u in still], now)


async def release_numbers_left(conn: asyncpg.Connection, left: dict[int, str]) -> None:
    """Users whose number changed away from one on the list (``left``: user to the E.164
    they had) are no longer blocked by it; an entry still covering them keeps them
    blocked. Call it once their new numbers are stored."""
    listed = {r["e164"]: DoNotCallReason(r["reason"]) for r in await conn.fetch(
        "SELECT e164, reason FROM do_not_call_entries "
        "WHERE removed_at IS NULL AND e164 = ANY($1::text[])", sorted(set(left.values())))}
    users = sorted(u for u, e164 in left.items() if e164 in listed)
    if users:
        await _settle(conn, users, {blocked_because(r) for r in listed.values()}, None)


async def block_listed_numbers(conn: asyncpg.Connection, numbers: dict[int, str]) -> None:
    """Users just seen with a number on the list (``numbers``: user to E.164) are blocked
    too: a number blocks every user who has it, later ones included."""
    listed = {r["e164"]: DoNotCallReason(r["reason"]) for r in await conn.fetch(
        "SELECT DISTINCT ON (e164) e164, reason FROM do_not_call_entries "
        "WHERE removed_at IS NULL AND e164 = ANY($1::text[]) ORDER BY e164, id",
        sorted(set(numbers.values())))}
    blocked = sorted(u for u, e164 in numbers.items() if e164 in listed)
    if blocked:
        await conn.execute(_BLOCK, blocked,
                           [blocked_because(listed[numbers[u]]) for u in blocked], None)
