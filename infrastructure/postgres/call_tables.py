"""Calls (outbound and inbound), conversions, and receipts of Twilio webhooks."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Text, Uuid
from sqlmodel import Field, SQLModel

from infrastructure.postgres.tables import timestamp_column as _ts


class CallRow(SQLModel, table=True):
    """One phone call through Twilio; user_id is NULL for an unknown inbound caller."""

    __tablename__ = "calls"
    __table_args__ = (Index("calls_user_idx", "user_id", "started_at"),
                      Index("calls_agent_idx", "agent_id", "started_at"),
                      Index("calls_started_idx", "started_at"))

    id: uuid.UUID = Field(primary_key=True)
    twilio_sid: str | None = Field(default=None, sa_column=Column(String(64), unique=True))
    direction: str = Field(sa_column=Column(String(16), nullable=False))  # OUTBOUND | INBOUND
    status: str = Field(sa_column=Column(String(16), nullable=False))  # CallStatus enum
    user_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    agent_id: uuid.UUID | None = Field(default=None, foreign_key="agents.id")
    lease_id: uuid.UUID | None = Field(default=None)
    queue_type: str | None = Field(default=None, sa_column=Column(String(24)))
    from_number: str | None = Field(default=None, sa_column=Column(String(32)))
    to_number: str | None = Field(default=None, sa_column=Column(String(32)))
    outcome: str | None = Field(default=None, sa_column=Column(String(32)))
    disposition_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    started_at: datetime = Field(sa_column=_ts(False, True))
    answered_at: datetime | None = Field(default=None, sa_column=_ts())
    ended_at: datetime | None = Field(default=None, sa_column=_ts())
    talk_seconds: int = Field(default=0, sa_column=Column(Integer, nullable=False,
                                                          server_default="0"))
    recording_sid: str | None = Field(default=None, sa_column=Column(String(64)))
    recording_url: str | None = Field(default=None, sa_column=Column(Text))
    recording_deleted_at: datetime | None = Field(default=None, sa_column=_ts())
    updated_at: datetime = Field(sa_column=_ts(False, True))
    # An imported call (dialler history import): its id in the source, its agent's e-mail.
    external_id: str | None = Field(default=None, sa_column=Column(String(128), unique=True))
    agent_email: str | None = Field(default=None, sa_column=Column(String(320)))


class ConversionRow(SQLModel, table=True):
    """A signature or completed requirement after a call, recorded once (dedupe_key)."""

    __tablename__ = "conversions"
    __table_args__ = (Index("conversions_occurred_idx", "occurred_at"),
                      Index("conversions_agent_idx", "agent_id", "occurred_at"),
                      Index("conversions_user_idx", "user_id", "occurred_at"))

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True,
                                                          autoincrement=True))
    dedupe_key: str = Field(sa_column=Column(String(120), nullable=False, unique=True))
    kind: str = Field(sa_column=Column(String(24), nullable=False))  # SIGNED | REQUIREMENT_DONE
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    claim_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    requirement_id: str | None = Field(default=None, sa_column=Column(String(36)))
    lender: str | None = Field(default=None, sa_column=Column(String(200)))
    agent_id: uuid.UUID | None = Field(default=None, foreign_key="agents.id")
    call_id: uuid.UUID | None = Field(default=None)
    queue_type: str | None = Field(default=None, sa_column=Column(String(24)))
    experiment_arm: str | None = Field(default=None, sa_column=Column(String(16)))
    occurred_at: datetime = Field(sa_column=_ts(False))
    created_at: datetime = Field(sa_column=_ts(False, True))


class WebhookReceiptRow(SQLModel, table=True):
    """A Twilio webhook already applied: retries of the same event are no-ops."""

    __tablename__ = "webhook_receipts"
    __table_args__ = (Index("webhook_receipts_received_idx", "received_at"),)

    key: str = Field(sa_column=Column(String(128), primary_key=True))
    received_at: datetime = Field(sa_column=_ts(False, True))


class CallRingRow(SQLModel, table=True):
    """An agent an inbound call rang: they may see the caller while it rings."""

    __tablename__ = "call_rings"
    __table_args__ = (Index("call_rings_agent_idx", "agent_id", "rang_at"),)

    call_id: uuid.UUID = Field(sa_column=Column(
        Uuid, ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True))
    agent_id: uuid.UUID = Field(sa_column=Column(
        Uuid, ForeignKey("agents.id"), primary_key=True))
    rang_at: datetime = Field(sa_column=_ts(False))
