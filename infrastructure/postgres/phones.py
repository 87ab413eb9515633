"""Phone validity kept per user and recomputed only when the number changes."""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from domain.users.phone import to_e164
from infrastructure.postgres.do_not_call_sql import block_listed_numbers, release_numbers_left
from infrastructure.postgres.staging import through_staging

# Validation costs ~50 µs a number; a first build of hundreds of thousands of users
# spreads it over the machine's cores, a CDC batch does it inline.
_POOL_THRESHOLD = 20_000
_WORKERS = 2


def _validate_chunk(numbers: list[str | None]) -> list[str | None]:
    return [to_e164(n) for n in numbers]


_pool: ProcessPoolExecutor | None = None


def _workers() -> ProcessPoolExecutor:
    """One pool per process, started on first need and kept: each worker loads and compiles
    the numbering plan's patterns once, not once per rebuild range."""
    global _pool
    if _pool is None:
        # Spawned, not forked: a fork of a rebuild's large heap copies it page by page as
        # reference counts touch it, and forking a process with threads is unsafe.
        _pool = ProcessPoolExecutor(_WORKERS, mp_context=multiprocessing.get_context("spawn"))
    return _pool


def stop_workers() -> None:
    """Ends this process's pool (a process that is itself a pool's worker must, before it
    exits: its exit waits for its own children)."""
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
        _pool = None


async def validate_numbers(numbers: list[str | None]) -> list[str | None]:
    if len(numbers) < _POOL_THRESHOLD:
        return _validate_chunk(numbers)
    size = -(-len(numbers) // _WORKERS)
    chunks = [numbers[i:i + size] for i in range(0, len(numbers), size)]
    global _pool
    loop, pool = asyncio.get_running_loop(), _workers()
    try:
        parts = await asyncio.gather(*(loop.run_in_executor(pool, _validate_chunk, c)
                                       for c in chunks))
    except BrokenProcessPool:
        _pool = None  # a worker died: the next call starts a new pool
        raise
    return [e164 for part in parts for e164 in part]


async def refresh_phones(conn, phones: Mapping[int, str | None]) -> dict[int, str | None]:
    """E.164 per user (None: undialable), validating only numbers not seen before.

    ``conn`` is an asyncpg connection inside the caller's transaction.
    """
    ids = list(phones)
    known = {r["user_id"]: (r["raw"], r["e164"]) for r in await conn.fetch(
        "SELECT user_id, raw, e164 FROM user_phones WHERE user_id = ANY($1::bigint[])", ids)}
    stale = [u for u in ids if u not in known or known[u][0] != phones[u]]
    result = {u: known[u][1] for u in ids if u in known and known[u][0] == phones[u]}
    if stale:
        checked = await validate_numbers([phones[u] for u in stale])
        rows = list(zip(stale, [phones[u] for u in stale], checked, strict=True))
        await through_staging(
            conn, "phones_in", "user_id bigint, raw varchar(64), e164 varchar(20)", rows,
            "INSERT INTO user_phones (user_id, raw, e164) SELECT user_id, raw, e164 "
            "FROM phones_in ON CONFLICT (user_id) DO UPDATE SET raw = EXCLUDED.raw, "
            "e164 = EXCLUDED.e164")
        result.update({u: e for u, _, e in rows})
        await release_numbers_left(conn, {u: known[u][1] for u, _, e in rows
                                          if u in known and known[u][1] not in (None, e)})
        await block_listed_numbers(conn, {u: e for u, _, e in rows if e is not None})
    return result
