"""What segments every user (date of birth, postcode and their open claims' lenders and
creation times), read in one streamed pass."""

from __future__ import annotations

from datetime import date, datetime

from domain.learning.snapshot import UserFacts
from domain.users.model import is_open_status
from infrastructure.replica import rows
from infrastructure.replica.database import ReplicaDatabase

# One row per claim (one with NULLs for a user without any); a user's rows need not be
# adjacent, so the statement needs no ORDER BY (a sort of every claim) to stream.
_SQL = ("SELECT u.id, u.date_of_birth, a.post_code, c.status, c.lender, c.created_at "
        "FROM users u LEFT JOIN user_addresses a ON a.id = u.current_user_address_id "
        "LEFT JOIN claims c ON c.user_id = u.id")

_Found = tuple[date | None, str | None, list[tuple[str | None, datetime | None]]]


async def user_facts(db: ReplicaDatabase) -> dict[int, UserFacts]:
    found: dict[int, _Found] = {}
    is_open = _OpenStatuses()
    async for batch in db.stream(_SQL):
        for user_id, born, post_code, status, lender, created in batch:
            user = found.get(user_id)
            if user is None:
                user = found[user_id] = (rows.date_value(born), rows.text_value(post_code), [])
            if is_open(status):
                user[2].append((rows.text_value(lender), rows.utc_value(created)))
    return {int(u): UserFacts(born, post, tuple(claims))
            for u, (born, post, claims) in found.items()}


class _OpenStatuses(dict):
    """domain.users.model.is_open_status of each status as the replica spells it (the queue
    facts' test of open), worked out once per spelling: a handful recur on every claim."""

    def __call__(self, status: object) -> bool:
        found = self.get(status)
        if found is None:
            found = self[status] = is_open_status(rows.text_value(status))
        return found

