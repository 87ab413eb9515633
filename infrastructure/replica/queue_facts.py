"""The replica facts the queue rules need, read set-based: three statements per batch.

A batch is either a range of user ids (rebuilds walk the id space in ranges so
memory stays bounded at any scale) or an explicit list (incremental recompute).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from domain.queue.facts import ReplicaFacts
from domain.queue.ports import Keys, ReplicaFactsSource
from domain.users.model import is_open_status
from infrastructure.replica import rows
from infrastructure.replica.database import ReplicaDatabase, in_list

_USERS = ("SELECT u.id, u.phone_number, u.date_of_birth, u.status, u.is_enabled, "
          "u.current_signature_file_id, a.post_code FROM users u "
          "LEFT JOIN user_addresses a ON a.id = u.current_user_address_id WHERE {where}")
_CLAIMS = "SELECT user_id, id, status, lender, created_at FROM claims WHERE {where}"
_PENDING = ("SELECT c.user_id, COUNT(*) FROM claim_requirements r "
            "JOIN claims c ON c.id = r.claim_id WHERE r.status = 'PENDING' AND {where} "
            "GROUP BY c.user_id")


class ReplicaFactsReader(ReplicaFactsSource):
    def __init__(self, db: ReplicaDatabase):
        self.db = db

    async def for_keys(self, keys: Keys, pending: dict[int, int] | None = None
                       ) -> dict[int, ReplicaFacts]:
        if keys.ids is not None:
            ids = sorted(set(keys.ids))
            return await self._read("{col} IN " + in_list(ids), ids, pending) if ids else {}
        return await self._read("{col} BETWEEN %s AND %s", (keys.low, keys.high), pending)

    async def pending_by_user(self) -> dict[int, int]:
        # One pass: on a large replica whose working set exceeds the server's buffer pool,
        # the join per id range re-reads the requirements each time (7 s a range at 500k).
        rows = await self.db.fetch(_PENDING.format(where="1 = 1"))
        return {int(u): int(n) for u, n in rows}

    async def id_bounds(self) -> tuple[int, int] | None:
        low, high = (await self.db.fetch("SELECT MIN(id), MAX(id) FROM users"))[0]
        return None if low is None else (int(low), int(high))

    async def _read(self, condition: str, args: Sequence, pending: dict[int, int] | None
                    ) -> dict[int, ReplicaFacts]:
        users = await self.db.fetch(_USERS.format(where=condition.format(col="u.id")), args)
        claims = await self.db.fetch(_CLAIMS.format(where=condition.format(col="user_id")), args)
        if pending is None:
            rows = await self.db.fetch(
                _PENDING.format(where=condition.format(col="c.user_id")), args)
            pending = {int(u): int(n) for u, n in rows}
        return assemble(users, claims, pending)


def _clean(value):
    """Strings trimmed (empty: None); anything else as the driver gave it."""
    if value.__class__ is str:
        value = value.strip()
        return value or None
    return rows.text_value(value)


def assemble(users: list[tuple], claims: list[tuple], pending_by_user: dict[int, int]
             ) -> dict[int, ReplicaFacts]:
    by_user: dict[int, list[tuple]] = defaultdict(list)
    for user_id, claim_id, status, lender, created_at in claims:
        by_user[user_id].append((claim_id, _clean(status), lender, created_at))
    facts = {}
    for user_id, phone, dob, status, enabled, signature, post_code in users:
        user_claims = by_user.get(user_id, ())
        facts[int(user_id)] = ReplicaFacts(
            user_id=int(user_id), phone_raw=_clean(phone), date_of_birth=rows.date_value(dob),
            status=_clean(status), is_enabled=rows.flag_value(enabled),
            signed=signature is not None, post_code=_clean(post_code),
            open_claims=tuple((_clean(lender), rows.utc_value(created))
                              for _, status, lender, created in user_claims
                              if is_open_status(status)),
            claim_keys=tuple((int(c[0]), c[1]) for c in user_claims),
            pending_requirements=pending_by_user.get(int(user_id), 0),
        )
    return facts
