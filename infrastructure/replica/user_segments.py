"""What segments every user (date of birth and postcode), read in one streamed pass."""

from __future__ import annotations

from domain.learning.snapshot import UserFacts
from infrastructure.replica import rows
from infrastructure.replica.database import ReplicaDatabase

_SQL = ("SELECT u.id, u.date_of_birth, a.post_code FROM users u "
        "LEFT JOIN user_addresses a ON a.id = u.current_user_address_id")


async def user_facts(db: ReplicaDatabase) -> dict[int, UserFacts]:
    found: dict[int, UserFacts] = {}
    async for batch in db.stream(_SQL):
        for user_id, born, post_code in batch:
            found[int(user_id)] = UserFacts(rows.date_value(born), rows.text_value(post_code))
    return found
