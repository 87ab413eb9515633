"""Leases that keep a timer or job to one process, and the marks that share its schedule."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from infrastructure.postgres.tables import timestamp_column as _ts


class JobLeaseRow(SQLModel, table=True):
    """Held by ``holder`` until ``expires_at``; renewed while the work runs, deleted after.

    A holder that crashed stops renewing, so its lease runs out and another process takes it.
    """

    __tablename__ = "job_leases"

    name: str = Field(sa_column=Column(String(64), primary_key=True))
    holder: str = Field(sa_column=Column(String(128), nullable=False))
    taken_at: datetime = Field(sa_column=_ts(False, True))
    expires_at: datetime = Field(sa_column=_ts(False))


class TimerMarkRow(SQLModel, table=True):
    """When a timer (in whichever process) last ran, or how far it has scanned."""

    __tablename__ = "timer_marks"

    name: str = Field(sa_column=Column(String(64), primary_key=True))
    at: datetime = Field(sa_column=_ts(False))
