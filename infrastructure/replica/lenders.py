"""Users' lenders read from the replica, for outcome breakdowns by lender."""

from __future__ import annotations

from collections.abc import Sequence

from domain.analytics.figures import NO_LENDER, lender_key
from domain.analytics.ports import UserLenders
from infrastructure.replica.reader import ReplicaReader

CHUNK = 5_000  # user ids per statement: bounded IN lists at any period length


class ReplicaUserLenders(UserLenders):
    def __init__(self, reader: ReplicaReader):
        self._reader = reader

    async def lenders(self, user_ids: Sequence[int]) -> dict[int, str]:
        ids = sorted(set(user_ids))
        found = dict.fromkeys(ids, NO_LENDER)  # no claim (or no longer in the replica)
        for start in range(0, len(ids), CHUNK):
            claims = await self._reader.claims_by_user(ids[start:start + CHUNK])
            for user_id, user_claims in claims.items():
                found[user_id] = lender_key(
                    [(c.lender, c.created_at) for c in user_claims if c.is_open],
                    [(c.lender, c.created_at) for c in user_claims])
        return found
