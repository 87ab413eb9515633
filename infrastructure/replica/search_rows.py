"""The replica's users as the search index keeps them: two statements per batch."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from domain.users.ports import SearchSource
from domain.users.search import SearchKeys, email_key, name_key, phone_key
from infrastructure.replica.database import ReplicaDatabase, in_list
from infrastructure.replica.user_ids import user_id_bounds

_USERS = "SELECT id, first_name, last_name, email, phone_number FROM users WHERE {where}"
_CLAIMS = "SELECT user_id, id FROM claims WHERE {where}"
_CHUNK = 5000


class ReplicaSearchRows(SearchSource):
    def __init__(self, db: ReplicaDatabase):
        self.db = db

    async def for_users(self, user_ids: Sequence[int]) -> list[SearchKeys]:
        ids, found = sorted(set(user_ids)), []
        for start in range(0, len(ids), _CHUNK):
            part = ids[start:start + _CHUNK]
            found += await self._read("{col} IN " + in_list(part), part)
        return found

    async def for_range(self, low: int, high: int) -> list[SearchKeys]:
        return await self._read("{col} BETWEEN %s AND %s", (low, high))

    async def id_bounds(self) -> tuple[int, int] | None:
        return await user_id_bounds(self.db)

    async def _read(self, where: str, args: Sequence) -> list[SearchKeys]:
        users = await self.db.fetch(_USERS.format(where=where.format(col="id")), args)
        claims: dict[int, list[int]] = defaultdict(list)
        for user_id, claim_id in await self.db.fetch(
                _CLAIMS.format(where=where.format(col="user_id")), args):
            claims[int(user_id)].append(int(claim_id))
        return [SearchKeys(int(u), name_key(first, last), email_key(email), phone_key(phone),
                           tuple(sorted(claims.get(int(u), ()))))
                for u, first, last, email, phone in users]
