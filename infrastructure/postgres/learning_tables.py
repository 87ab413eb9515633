"""Learning snapshots: each run's estimates (domain.learning), one snapshot active at a time."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    Uuid,
)
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
    # The best window's end and confidence, and each channel rate's (what scoring uses).
    best_end: int | None = Field(default=None, sa_column=Column(SmallInteger))
    best_confidence: float | None = Field(default=None, sa_column=Column(Float))
    call_confidence: float | None = Field(default=None, sa_column=Column(Float))
    text_confidence: float | None = Field(default=None, sa_column=Column(Float))


class LearnedSegmentRow(SQLModel, table=True):
    __tablename__ = "learned_segments"

    snapshot_id: int = Field(sa_column=_snapshot())
    segment: str = Field(sa_column=Column(Text, primary_key=True))
    estimates: list[float] = Field(sa_column=Column(ARRAY(Float), nullable=False))


def _key(kind: object) -> Column:
    return Column(kind, primary_key=True)


class _Rate(SQLModel):
    """A conversion rate: ``converted`` of ``worked``, shrunk (domain.learning.conversions)."""

    converted: int = Field(sa_column_kwargs={"nullable": False})
    worked: int = Field(sa_column_kwargs={"nullable": False})
    estimate: float = Field(sa_column_kwargs={"nullable": False})
    confidence: float = Field(sa_column_kwargs={"nullable": False})


class LearnedConversionRow(_Rate, table=True):
    """A segment's conversion rate in one queue: age band × postcode area × lender."""

    __tablename__ = "learned_conversions"

    snapshot_id: int = Field(sa_column=_snapshot())
    age_band: str = Field(sa_column=_key(Text))
    area: str = Field(sa_column=_key(Text))
    lender: str = Field(sa_column=_key(Text))
    queue_type: str = Field(sa_column=_key(String(24)))


class LearnedQueueConversionRow(_Rate, table=True):
    """Everyone's conversion rate in one queue: what a segment's is set against."""

    __tablename__ = "learned_queue_conversions"

    snapshot_id: int = Field(sa_column=_snapshot())
    queue_type: str = Field(sa_column=_key(String(24)))


class LearnedAgentRow(_Rate, table=True):
    """An agent's conversion rate per queue and lender, and the team's beside it."""

    __tablename__ = "learned_agents"

    snapshot_id: int = Field(sa_column=_snapshot())
    agent_id: uuid.UUID = Field(sa_column=_key(Uuid))
    queue_type: str = Field(sa_column=_key(String(24)))
    lender: str = Field(sa_column=_key(Text))
    team_estimate: float = Field(sa_column=Column(Float, nullable=False))


class LearnedSpacingRow(SQLModel, table=True):
    """Calls after a missed call, per gap since it: contacts against what their hours
    promised (domain.learning.spacing)."""

    __tablename__ = "learned_spacing"

    snapshot_id: int = Field(sa_column=_snapshot())
    gap: int = Field(sa_column=_key(SmallInteger))
    calls: int = Field(sa_column=Column(Integer, nullable=False))
    contacts: int = Field(sa_column=Column(Integer, nullable=False))
    expected: float = Field(sa_column=Column(Float, nullable=False))
    ratio: float = Field(sa_column=Column(Float, nullable=False))
    confidence: float = Field(sa_column=Column(Float, nullable=False))
