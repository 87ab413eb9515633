"""The search index in PostgreSQL: names by trigram (pg_trgm) over the distinct names,
e-mail and phone digits by prefix on bytewise btree indexes, claim ids by key. Each find
is at most two short statements."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from domain.users.ports import SearchIndex
from domain.users.search import MatchedOn, SearchHit, SearchKeys, SearchQuery, prefix_rank

# Names are ranked once per distinct name (the rank depends on the name alone), then each
# of the best names gives its first users: the best ``first`` users come from at most
# ``first`` names. Rank: the mean of whole-name similarity and the best word similarity,
# so "smith" finds every Smith (a whole word) and "jon smyth" John Smith.
_BY_NAME = """
WITH names AS (
    SELECT name_key, (similarity(name_key, $1) + word_similarity($1, name_key)) / 2 AS rank
    FROM user_search_names n
    WHERE (name_key % $1 OR $1 <% name_key)
      AND EXISTS (SELECT 1 FROM user_search u WHERE u.name_key = n.name_key)
    ORDER BY rank DESC, name_key LIMIT $2)
SELECT u.user_id, names.rank FROM names CROSS JOIN LATERAL (
    SELECT user_id FROM user_search s WHERE s.name_key = names.name_key
    ORDER BY user_id LIMIT $2) u
ORDER BY names.rank DESC, u.user_id LIMIT $2
"""
# A prefix is a range of the bytewise ("C") index, read in order: the whole key (when
# there) sorts first, and the LIMIT stops the scan.
_PREFIXED = ("SELECT user_id, {key} AS key FROM user_search WHERE {key} >= $1 AND {key} < $2 "
             "ORDER BY {key}, user_id LIMIT $3")
_BY_PHONE, _BY_EMAIL = _PREFIXED.format(key="phone_key"), _PREFIXED.format(key="email_key")
_BY_CLAIM = "SELECT user_id FROM user_search_claims WHERE claim_id = $1"

_UPSERT = """
INSERT INTO user_search (user_id, name_key, email_key, phone_key, indexed_at)
SELECT u, n, e, p, $5 FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) AS r(u, n, e, p)
ON CONFLICT (user_id) DO UPDATE SET name_key = EXCLUDED.name_key,
    email_key = EXCLUDED.email_key, phone_key = EXCLUDED.phone_key,
    indexed_at = EXCLUDED.indexed_at
WHERE (user_search.name_key, user_search.email_key, user_search.phone_key)
      IS DISTINCT FROM (EXCLUDED.name_key, EXCLUDED.email_key, EXCLUDED.phone_key)
"""
# In name order, so that two writers adding names never wait on each other in a circle.
_NAMES = """
INSERT INTO user_search_names (name_key)
SELECT DISTINCT n FROM unnest($1::text[]) AS r(n) WHERE n <> '' ORDER BY 1
ON CONFLICT (name_key) DO NOTHING
"""
# An anti-join, not "<> ALL(array)": that compares every row with the whole array.
_NOT_KEPT = ("DELETE FROM {table} t WHERE {scope} AND NOT EXISTS "
             "(SELECT 1 FROM unnest(${kept}::bigint[]) AS k(id) WHERE k.id = t.{key})")
_CLAIMS_UPSERT = """
INSERT INTO user_search_claims (claim_id, user_id)
SELECT c, u FROM unnest($1::bigint[], $2::bigint[]) AS r(c, u)
ON CONFLICT (claim_id) DO UPDATE SET user_id = EXCLUDED.user_id
WHERE user_search_claims.user_id <> EXCLUDED.user_id
"""


def _after_prefix(text: str) -> str:
    """The least string above every string that starts with ``text``."""
    following = ord(text[-1]) + 1
    following += 0x800 if 0xD800 <= following <= 0xDFFF else 0  # past the surrogates
    return text[:-1] + chr(min(following, 0x10FFFF))


def _changed(status: str) -> int:
    """The row count of an INSERT or DELETE status ("INSERT 0 3", "DELETE 2")."""
    return int(status.rsplit(" ", 1)[-1])


class PgSearchIndex(SearchIndex):
    def __init__(self, pool: asyncpg.Pool):
        self._pool = pool

    async def find(self, query: SearchQuery, first: int) -> list[SearchHit]:
        hits: list[SearchHit] = []
        async with self._pool.acquire() as conn:
            if query.name is not None:
                hits += [SearchHit(r["user_id"], MatchedOn.NAME, round(float(r["rank"]), 4))
                         for r in await conn.fetch(_BY_NAME, query.name, first)]
            if query.phone is not None:
                hits += await _prefixed(conn, _BY_PHONE, query.phone, MatchedOn.PHONE, first)
            if query.email is not None:
                hits += await _prefixed(conn, _BY_EMAIL, query.email, MatchedOn.EMAIL, first)
            if query.claim_id is not None:
                hits += [SearchHit(r["user_id"], MatchedOn.CLAIM_ID, 1.0)
                         for r in await conn.fetch(_BY_CLAIM, query.claim_id)]
        return hits

    async def keep(self, rows: Sequence[SearchKeys], gone: Sequence[int],
                   now: datetime) -> int:
        scope = [r.user_id for r in rows] + list(gone)
        return await self._replace(rows, "{col} = ANY($1::bigint[])", (scope,), now)

    async def keep_range(self, low: int, high: int, rows: Sequence[SearchKeys],
                         now: datetime) -> int:
        return await self._replace(rows, "{col} BETWEEN $1 AND $2", (low, high), now)

    async def _replace(self, rows: Sequence[SearchKeys], scope: str, args: tuple,
                       now: datetime) -> int:
        """The users ``scope`` picks are exactly ``rows`` afterwards: theirs upserted, the
        others' rows and claims deleted. The rows it changed."""
        async with self._pool.acquire() as conn, conn.transaction():
            changed = await _upsert(conn, rows, now)
            await conn.execute(_NOT_KEPT.format(table="user_search_claims", key="claim_id",
                                                scope=scope.format(col="t.user_id"),
                                                kept=len(args) + 1),
                               *args, [c for r in rows for c in r.claim_ids])
            changed += _changed(await conn.execute(
                _NOT_KEPT.format(table="user_search", key="user_id",
                                 scope=scope.format(col="t.user_id"), kept=len(args) + 1),
                *args, [r.user_id for r in rows]))
        return changed

    async def forget_outside(self, low: int | None, high: int | None) -> int:
        async with self._pool.acquire() as conn, conn.transaction():
            if low is None or high is None:
                await conn.execute("DELETE FROM user_search_claims")
                gone = _changed(await conn.execute("DELETE FROM user_search"))
            else:
                await conn.execute("DELETE FROM user_search_claims WHERE user_id < $1 "
                                   "OR user_id > $2", low, high)
                gone = _changed(await conn.execute(
                    "DELETE FROM user_search WHERE user_id < $1 OR user_id > $2", low, high))
            # A name a writer adds back meanwhile is added again by the pass that follows.
            await conn.execute("DELETE FROM user_search_names n WHERE NOT EXISTS "
                               "(SELECT 1 FROM user_search u WHERE u.name_key = n.name_key)")
        return gone


async def _prefixed(conn: asyncpg.Connection, sql: str, key: str, matched: MatchedOn,
                    first: int) -> list[SearchHit]:
    return [SearchHit(r["user_id"], matched, prefix_rank(key, r["key"]))
            for r in await conn.fetch(sql, key, _after_prefix(key), first)]


async def _upsert(conn: asyncpg.Connection, rows: Sequence[SearchKeys], now: datetime) -> int:
    changed = _changed(await conn.execute(
        _UPSERT, [r.user_id for r in rows], [r.name_key for r in rows],
        [r.email_key for r in rows], [r.phone_key for r in rows], now))
    await conn.execute(_NAMES, [r.name_key for r in rows])
    await conn.execute(_CLAIMS_UPSERT, [c for r in rows for c in r.claim_ids],
                       [r.user_id for r in rows for _ in r.claim_ids])
    return changed
