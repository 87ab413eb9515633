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
