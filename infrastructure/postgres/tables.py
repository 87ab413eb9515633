"""The dialler's own tables (SQLModel). Rows here never reach GraphQL directly."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel


def timestamp_column(nullable: bool = True, default_now: bool = False) -> Column:
    """A timezone-aware timestamp column, optionally defaulting to now()."""
    return Column(DateTime(timezone=True), nullable=nullable,
                  server_default=text("now()") if default_now else None)


class AgentRow(SQLModel, table=True):
    __tablename__ = "agents"

    id: uuid.UUID = Field(primary_key=True)
    email: str = Field(sa_column=Column(String(254), nullable=False, unique=True))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    role: str = Field(sa_column=Column(String(16), nullable=False))
    password_hash: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False, server_default="OFFLINE"))
    status_reason: str | None = Field(default=None, sa_column=Column(String(200)))
    status_since: datetime | None = Field(default=None, sa_column=timestamp_column())
    is_active: bool = Field(default=True, nullable=False)
    # The queue types this agent works; NULL: every type (a new agent until narrowed).
    queue_types: list[str] | None = Field(default=None, sa_column=Column(ARRAY(String(24))))
    created_at: datetime | None = Field(default=None, sa_column=timestamp_column(False, True))
    # An automated (AI) agent works the SMS channel in the worker and never logs in.
    automated: bool = Field(default=False, sa_column=Column(Boolean, nullable=False,
                                                            server_default=false()))
    texts_per_hour: int | None = Field(default=None, sa_column=Column(Integer))
    # An admin's reset: until the holder sets a password of their own, before it expires,
    # their sessions may do nothing else.
    must_change_password: bool = Field(default=False, sa_column=Column(
        Boolean, nullable=False, server_default=false()))
    password_expires_at: datetime | None = Field(default=None, sa_column=timestamp_column())
    last_login_at: datetime | None = Field(default=None, sa_column=timestamp_column())


class AgentSessionRow(SQLModel, table=True):
    __tablename__ = "agent_sessions"
    __table_args__ = (Index("agent_sessions_agent_idx", "agent_id", "started_at"),
                      # The idle sweep: live sessions (ended_at NULL) by last heartbeat.
                      Index("agent_sessions_live_idx", "ended_at", "last_seen_at"))

    id: uuid.UUID = Field(primary_key=True)
    agent_id: uuid.UUID = Field(foreign_key="agents.id", nullable=False)
    started_at: datetime = Field(sa_column=timestamp_column(False, True))
    last_seen_at: datetime = Field(sa_column=timestamp_column(False, True))
    expires_at: datetime = Field(sa_column=timestamp_column(False))
    ended_at: datetime | None = Field(default=None, sa_column=timestamp_column())
    ip_address: str | None = Field(default=None, sa_column=Column(String(64)))
    user_agent: str | None = Field(default=None, sa_column=Column(String(300)))
    end_reason: str | None = Field(default=None, sa_column=Column(String(16)))  # LOGOUT | IDLE


class AgentStatusHistoryRow(SQLModel, table=True):
    __tablename__ = "agent_status_history"
    __table_args__ = (Index("agent_status_history_agent_idx", "agent_id", "occurred_at"),)

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True,
                                                          autoincrement=True))
    agent_id: uuid.UUID = Field(foreign_key="agents.id", nullable=False)
    previous_status: str = Field(sa_column=Column(String(16), nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    reason: str | None = Field(default=None, sa_column=Column(String(200)))
    occurred_at: datetime = Field(sa_column=timestamp_column(False))


class CallScoreRow(SQLModel, table=True):
    __tablename__ = "call_scores"

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    current_score: float = Field(nullable=False, default=0.0)
    total_attempts: int = Field(nullable=False, default=0)
    failed_attempts: int = Field(nullable=False, default=0)
    last_outcome: str | None = Field(default=None, sa_column=Column(String(32)))
    last_called_at: datetime | None = Field(default=None, sa_column=timestamp_column())
    last_contact_at: datetime | None = Field(default=None, sa_column=timestamp_column())
    next_call_after: datetime | None = Field(default=None, sa_column=timestamp_column())
    updated_at: datetime = Field(sa_column=timestamp_column(False, True))
