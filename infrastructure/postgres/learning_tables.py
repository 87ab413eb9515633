"""Learning snapshots: each run's estimates (domain.learning), one snapshot active at a time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Float, ForeignKey, Integer, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

from infrastructure.postgres.tables import timestamp_column as _ts


class LearningSnapshotRow(SQLModel, table=True):
    __tablename__ = "learning_snapshots"

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True,
                                                          autoincrement=True))
    version: int = Field(sa_column=Column(Integer, nullable=False, unique=True))
    status: str = Field(sa_column=Column(String(16), nullable=False))  # ACTIVE | SUPERSEDED
    created_at: datetime = Field(sa_column=_ts(False))
    figures: dict = Field(sa_column=Column(JSONB, nullable=False))


def _snapshot() -> Column:
    return Column(BigInteger, ForeignKey("learning_snapshots.id", ondelete="CASCADE"),
                  primary_key=True)


class LearnedUserRow(SQLModel, table=True):
    """A user's estimates in a snapshot: per London hour 08-19, and per channel."""

    __tablename__ = "learned_users"

    snapshot_id: int = Field(sa_column=_snapshot())
    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    contacts: list[int] | None = Field(default=None, sa_column=Column(ARRAY(Integer)))
    attempts: list[int] | None = Field(default=None, sa_column=Column(ARRAY(Integer)))
    estimates: list[float] | None = Field(default=None, sa_column=Column(ARRAY(Float)))
    best_start: int | None = Field(default=None, sa_column=Column(Integer))
    best_estimate: float | None = Field(default=None, sa_column=Column(Float))
    calls: int = Field(sa_column=Column(Integer, nullable=False))
    answered: int = Field(sa_column=Column(Integer, nullable=False))
    texts: int = Field(sa_column=Column(Integer, nullable=False))
    replied: int = Field(sa_column=Column(Integer, nullable=False))
    call_rate: float | None = Field(default=None, sa_column=Column(Float))
    text_rate: float | None = Field(default=None, sa_column=Column(Float))
    preferred: str | None = Field(default=None, sa_column=Column(String(8)))


class LearnedSegmentRow(SQLModel, table=True):
    __tablename__ = "learned_segments"

    snapshot_id: int = Field(sa_column=_snapshot())
    segment: str = Field(sa_column=Column(Text, primary_key=True))
    estimates: list[float] = Field(sa_column=Column(ARRAY(Float), nullable=False))
