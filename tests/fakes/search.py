"""The user search's ports in memory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from domain.users.ports import SearchIndex, SearchSource
from domain.users.search import MatchedOn, SearchHit, SearchKeys, SearchQuery, prefix_rank


@dataclass
class FakeSearchSource(SearchSource):
    """The replica's users as given; ``fail`` makes every read raise it."""

    users: dict[int, SearchKeys] = field(default_factory=dict)
    fail: Exception | None = None

    async def for_users(self, user_ids: Sequence[int]) -> list[SearchKeys]:
        self._check()
        return [self.users[u] for u in sorted(set(user_ids)) if u in self.users]

    async def for_range(self, low: int, high: int) -> list[SearchKeys]:
        self._check()
        return [k for u, k in sorted(self.users.items()) if low <= u <= high]

    async def id_bounds(self) -> tuple[int, int] | None:
        return (min(self.users), max(self.users)) if self.users else None

    def _check(self) -> None:
        if self.fail is not None:
            raise self.fail


@dataclass
class FakeSearchIndex(SearchIndex):
    """Names match when every word of the query starts a word of the name."""

    rows: dict[int, SearchKeys] = field(default_factory=dict)
    indexed_at: dict[int, datetime] = field(default_factory=dict)

    async def find(self, query: SearchQuery, first: int) -> list[SearchHit]:
        hits = []
        for row in self.rows.values():
            if query.name and all(any(w.startswith(q) for w in row.name_key.split())
                                  for q in query.name.split()):
                hits.append(SearchHit(row.user_id, MatchedOn.NAME, 0.5))
            if query.phone and row.phone_key and row.phone_key.startswith(query.phone):
                hits.append(SearchHit(row.user_id, MatchedOn.PHONE,
                                      prefix_rank(query.phone, row.phone_key)))
            if query.email and row.email_key and row.email_key.startswith(query.email):
                hits.append(SearchHit(row.user_id, MatchedOn.EMAIL,
                                      prefix_rank(query.email, row.email_key)))
            if query.claim_id in row.claim_ids:
                hits.append(SearchHit(row.user_id, MatchedOn.CLAIM_ID, 1.0))
        return hits

    async def keep(self, rows: Sequence[SearchKeys], gone: Sequence[int],
                   now: datetime) -> int:
        changed = sum(self._put(r, now) for r in rows)
        for user_id in gone:
            changed += self.rows.pop(user_id, None) is not None
        return changed

    async def keep_range(self, low: int, high: int, rows: Sequence[SearchKeys],
                         now: datetime) -> int:
        wanted = {r.user_id for r in rows}
        stale = [u for u in self.rows if low <= u <= high and u not in wanted]
        return await self.keep(rows, stale, now)

    async def forget_outside(self, low: int | None, high: int | None) -> int:
        stale = [u for u in self.rows if low is None or not low <= u <= high]
        for user_id in stale:
            del self.rows[user_id]
        return len(stale)

    def _put(self, row: SearchKeys, now: datetime) -> bool:
        if self.rows.get(row.user_id) == row:
            return False
        self.rows[row.user_id] = row
        self.indexed_at[row.user_id] = now
        return True
