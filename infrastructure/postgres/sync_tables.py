"""The CDC sync's own tables: records already applied, dead letters, sync state, job runs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Float, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from infrastructure.postgres.tables import timestamp_column as _ts


class CdcSeenRow(SQLModel, table=True):
    """A change record whose effect is committed: a redelivery of it is skipped."""

    __tablename__ = "cdc_seen"
    __table_args__ = (Index("cdc_seen_at_idx", "seen_at"),)

    key: str = Field(sa_column=Column(String(200), primary_key=True))
    seen_at: datetime = Field(sa_column=_ts(False, True))


class DeadLetterRow(SQLModel, table=True):
    """A message sent to the dead-letter queue, with why; replayed_at once sent back."""

    __tablename__ = "dead_letters"
    __table_args__ = (Index("dead_letters_open_idx", "replayed_at", "received_at"),)

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True,
                                                          autoincrement=True))
    message_id: str = Field(sa_column=Column(String(128), nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False))
    reason: str = Field(sa_column=Column(Text, nullable=False))
    received_at: datetime = Field(sa_column=_ts(False, True))
    replayed_at: datetime | None = Field(default=None, sa_column=_ts())


class SyncStateRow(SQLModel, table=True):
    """The CDC stream's progress, one row per stream (``cdc``)."""

    __tablename__ = "sync_state"

    name: str = Field(sa_column=Column(String(32), primary_key=True))
    last_event_at: datetime | None = Field(default=None, sa_column=_ts())
    last_processed_at: datetime | None = Field(default=None, sa_column=_ts())
    lag_seconds: float | None = Field(default=None, sa_column=Column(Float))
    processed: int = Field(default=0, sa_column=Column(BigInteger, nullable=False,
                                                       server_default="0"))
    # The dead-letter queue's depth as SQS last reported it (redrives included).
    dead_letter_depth: int | None = Field(default=None, sa_column=Column(Integer))


class JobRunRow(SQLModel, table=True):
    """One run of a scheduled job (reconcile, warm-cache, integrity, cleanup) and its figures."""

    __tablename__ = "job_runs"
    __table_args__ = (Index("job_runs_job_idx", "job", "started_at"),)

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True,
                                                          autoincrement=True))
    job: str = Field(sa_column=Column(String(32), nullable=False))
    started_at: datetime = Field(sa_column=_ts(False))
    finished_at: datetime | None = Field(default=None, sa_column=_ts())
    status: str = Field(sa_column=Column(String(16), nullable=False))  # RUNNING|DONE|FAILED
    drift: int | None = Field(default=None, sa_column=Column(Integer))
    figures: dict | None = Field(default=None, sa_column=Column(JSONB))
    error: str | None = Field(default=None, sa_column=Column(Text))
