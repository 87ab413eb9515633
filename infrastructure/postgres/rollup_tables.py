"""Queue movements rolled up: what queueMovements reads for buckets already closed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, DateTime, Integer, SmallInteger, String, Text
from sqlmodel import Field, SQLModel

from infrastructure.postgres.tables import timestamp_column as _ts


class QueueMovementRollupRow(SQLModel, table=True):
    """Distinct users per London hour or day (``bucket_start`` as queueMovements labels
    it), route and cause. A queue is '' for outside every queue: a key column cannot be
    NULL."""

    __tablename__ = "queue_movement_rollups"

    bucket: str = Field(sa_column=Column(String(4), primary_key=True))  # 'hour' | 'day'
    bucket_start: datetime = Field(sa_column=Column(DateTime(timezone=True), primary_key=True))
    from_queue: str = Field(sa_column=Column(String(24), primary_key=True))
    to_queue: str = Field(sa_column=Column(String(24), primary_key=True))
    cause: str = Field(sa_column=Column(String(24), primary_key=True))
    users: int = Field(sa_column=Column(Integer, nullable=False))


class QueueMovementRollupStateRow(SQLModel, table=True):
    """The one row saying what the rollup holds: every bucket inside [rolled_from,
    rolled_until) as queue events stood at ``snapshot`` (a pg_snapshot); NULL bounds: none
    below, nothing rolled up yet."""

    __tablename__ = "queue_movement_rollup_state"
    __table_args__ = (CheckConstraint("id = 1", name="queue_movement_rollup_state_one_row"),)

    id: int = Field(sa_column=Column(SmallInteger, primary_key=True, autoincrement=False))
    snapshot: str | None = Field(default=None, sa_column=Column(Text))
    rolled_from: datetime | None = Field(default=None, sa_column=_ts())
    rolled_until: datetime | None = Field(default=None, sa_column=_ts())
