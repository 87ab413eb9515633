"""Finding customers, and keeping what they are found by current with the replica."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.users.ports import SearchIndex, SearchSource
from domain.users.search import MAX_RESULTS, InvalidSearch, SearchHit, SearchQuery, best_hits

RANGE = 20_000


@dataclass(frozen=True)
class UserSearch:
    index: SearchIndex

    async def search(self, text: str, first: int) -> list[SearchHit]:
        """The best ``first`` users for the query, each once, by how it matched; raises
        InvalidSearch naming what is wrong with the query."""
        if not 1 <= first <= MAX_RESULTS:
            raise InvalidSearch(f"first must be between 1 and {MAX_RESULTS}", "first")
        return best_hits(await self.index.find(SearchQuery.parse(text), first), first)


@dataclass(frozen=True)
class SearchKeeper:
    """Keeps the index from the replica: the users a change touched (CDC, an incremental
    reconciliation), or every user a range at a time (a full reconciliation, which also
    forgets users the replica deleted)."""

    source: SearchSource
    index: SearchIndex
    clock: Callable[[], datetime]
    range_size: int = RANGE

    async def refresh(self, user_ids: Sequence[int]) -> int:
        """The rows it changed."""
        if not user_ids:
            return 0
        rows = await self.source.for_users(user_ids)
        found = {r.user_id for r in rows}
        gone = sorted(set(user_ids) - found)
        return await self.index.keep(rows, gone, self.clock())

    async def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        bounds = await self.source.id_bounds()
        changed = await self.index.forget_outside(*(bounds or (None, None)))
        if bounds is None:
            return changed
        for low in range(bounds[0], bounds[1] + 1, self.range_size):
            high = min(low + self.range_size - 1, bounds[1])
            rows = await self.source.for_range(low, high)
            changed += await self.index.keep_range(low, high, rows, self.clock())
            if progress:
                progress(high - low + 1)
        return changed
