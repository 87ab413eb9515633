"""Which users' rows changed in the replica, by ``updated_at``: what reconciliation reads
between full sweeps."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.sync.ports import ReplicaChanges
from infrastructure.replica.database import ReplicaDatabase
from infrastructure.replica.rows import utc_value

# Every table a user's queue facts come from, as (user id, updated_at). users and claims
# have an updated_at index; requirements and addresses are read whole (the schema is the
# main application's).
_CHANGED = """
SELECT id, updated_at FROM users WHERE updated_at >= %s
UNION ALL SELECT user_id, updated_at FROM claims WHERE updated_at >= %s
UNION ALL SELECT c.user_id, r.updated_at FROM claim_requirements r
          JOIN claims c ON c.id = r.claim_id WHERE r.updated_at >= %s
UNION ALL SELECT user_id, updated_at FROM user_addresses WHERE updated_at >= %s
"""
_LATEST = ("SELECT (SELECT MAX(updated_at) FROM users), (SELECT MAX(updated_at) FROM claims), "
           "(SELECT MAX(updated_at) FROM claim_requirements), "
           "(SELECT MAX(updated_at) FROM user_addresses)")


class ReplicaChangedUsers(ReplicaChanges):
    def __init__(self, db: ReplicaDatabase):
        self.db = db

    async def latest_change(self) -> datetime | None:
        (latest,) = await self.db.fetch(_LATEST)
        return max((utc_value(at) for at in latest if at is not None), default=None)

    async def changed_since(self, since: datetime) -> tuple[set[int], datetime | None]:
        at = since.astimezone(UTC).replace(tzinfo=None)  # the replica keeps naive UTC
        rows = await self.db.fetch(_CHANGED, (at, at, at, at))
        users = {int(user) for user, _ in rows if user is not None}
        latest = max((utc_value(updated) for _, updated in rows), default=None)
        return users, latest
