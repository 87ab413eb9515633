"""Which user ids the replica holds."""

from __future__ import annotations

from collections.abc import Sequence

from infrastructure.replica.database import ReplicaDatabase, in_list

_CHUNK = 5000


async def known_users(db: ReplicaDatabase, user_ids: Sequence[int]) -> set[int]:
    ids, found = sorted(set(user_ids)), set()
    for start in range(0, len(ids), _CHUNK):
        part = ids[start:start + _CHUNK]
        rows = await db.fetch(f"SELECT id FROM users WHERE id IN {in_list(part)}", part)
        found.update(int(r[0]) for r in rows)
    return found


async def user_id_bounds(db: ReplicaDatabase) -> tuple[int, int] | None:
    """The lowest and highest user id on the replica; None when it has no user."""
    low, high = (await db.fetch("SELECT MIN(id), MAX(id) FROM users"))[0]
    return None if low is None else (int(low), int(high))
