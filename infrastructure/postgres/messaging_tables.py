"""SMS messages, opt-outs and follow-ups (magic links live in link_tables)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from infrastructure.postgres.queue_tables import UserPhoneRow
from infrastructure.postgres.tables import timestamp_column as _ts

# An inbound SMS finds its sender by number: without this it scans every user's phone.
Index("user_phones_e164_idx", UserPhoneRow.__table__.c.e164)


class SmsMessageRow(SQLModel, table=True):
    """One SMS either way; user_id is NULL for a sender no user has the number of."""

    __tablename__ = "sms_messages"
    __table_args__ = (Index("sms_messages_user_idx", "user_id", "created_at", "id"),
                      Index("sms_messages_retry_idx", "status", "next_attempt_at"),
                      Index("sms_messages_agent_idx", "agent_id", "created_at"))

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True,
                                                          autoincrement=True))
    user_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    direction: str = Field(sa_column=Column(String(16), nullable=False))  # OUTBOUND | INBOUND
    body: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))  # SmsStatus
    twilio_sid: str | None = Field(default=None, sa_column=Column(String(64), unique=True))
    from_number: str | None = Field(default=None, sa_column=Column(String(32)))
    to_number: str | None = Field(default=None, sa_column=Column(String(32)))
    agent_id: uuid.UUID | None = Field(default=None, foreign_key="agents.id")
    # At most one message per follow-up, whatever retries or restarts happen.
    follow_up_id: int | None = Field(default=None, sa_column=Column(BigInteger, unique=True))
    automated: bool = Field(sa_column=Column(Boolean, nullable=False, server_default="false"))
    failure_reason: str | None = Field(default=None, sa_column=Column(Text))
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False,
                                                      server_default="0"))
    next_attempt_at: datetime | None = Field(default=None, sa_column=_ts())
    # Set while one process hands the message to Twilio (the claim that prevents a 2nd send).
    sending_since: datetime | None = Field(default=None, sa_column=_ts())
    # What an inbound text was read to mean (domain.conversations): Intent, 0..1, Source.
    intent: str | None = Field(default=None, sa_column=Column(String(32)))
    intent_confidence: float | None = Field(default=None, sa_column=Column(Float))
    intent_source: str | None = Field(default=None, sa_column=Column(String(16)))
    action: str | None = Field(default=None, sa_column=Column(Text))  # what was done about it
    created_at: datetime = Field(sa_column=_ts(False, True))
    updated_at: datetime = Field(sa_column=_ts(False, True))
    # An imported text (dialler history import): its id in the source, its agent's e-mail,
    # and whether the user answered it (the source's "replied").
    external_id: str | None = Field(default=None, sa_column=Column(String(128), unique=True))
    agent_email: str | None = Field(default=None, sa_column=Column(String(320)))
    replied: bool | None = Field(default=None, sa_column=Column(Boolean))


class TextReviewRow(SQLModel, table=True):
    """An inbound text a person must read; automated texts to its user wait while PENDING."""

    __tablename__ = "text_reviews"
    __table_args__ = (Index("text_reviews_message_idx", "message_id", unique=True),
                      Index("text_reviews_pending_idx", "received_at", "id",
                            postgresql_where=text("status = 'PENDING'")),
                      Index("text_reviews_pending_user_idx", "user_id",
                            postgresql_where=text("status = 'PENDING'")))

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True,
                                                          autoincrement=True))
    message_id: int = Field(sa_column=Column(BigInteger, ForeignKey("sms_messages.id"),
                                             nullable=False))
    user_id: int | None = Field(default=None, sa_column=Column(BigInteger))  # NULL: unknown
    received_at: datetime = Field(sa_column=_ts(False))
    intent: str = Field(sa_column=Column(String(32), nullable=False))
    confidence: float = Field(sa_column=Column(Float, nullable=False))
    opt_out_chance: float = Field(sa_column=Column(Float, nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))  # PENDING | RESOLVED
    decision: str | None = Field(default=None, sa_column=Column(String(32)))  # an Intent
    decided_by: uuid.UUID | None = Field(default=None, foreign_key="agents.id")
    decided_at: datetime | None = Field(default=None, sa_column=_ts())
    note: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(sa_column=_ts(False, True))


class SmsOptOutRow(SQLModel, table=True):
    """A number that texted STOP; lifted only by START/UNSTOP from it."""

    __tablename__ = "sms_opt_outs"
    __table_args__ = (Index("sms_opt_outs_user_idx", "user_id"),)

    e164: str = Field(sa_column=Column(String(20), primary_key=True))
    user_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    keyword: str = Field(sa_column=Column(String(16), nullable=False))
    opted_out_at: datetime = Field(sa_column=_ts(False, True))


class SmsFollowUpRow(SQLModel, table=True):
    """A follow-up SMS due at a time; sent at most once (dedupe_key, then a claimed status)."""

    __tablename__ = "sms_follow_ups"
    __table_args__ = (Index("sms_follow_ups_due_idx", "status", "due_at"),
                      Index("sms_follow_ups_user_idx", "user_id"))

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True,
                                                          autoincrement=True))
    dedupe_key: str = Field(sa_column=Column(String(160), nullable=False, unique=True))
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    kind: str = Field(sa_column=Column(String(32), nullable=False))
    # PENDING | SENDING | SENT | SKIPPED | CANCELLED
    status: str = Field(sa_column=Column(String(16), nullable=False))
    due_at: datetime = Field(sa_column=_ts(False))
    expires_at: datetime = Field(sa_column=_ts(False))
    params: dict = Field(sa_column=Column(JSONB, nullable=False, server_default="{}"))
    skip_reason: str | None = Field(default=None, sa_column=Column(String(64)))
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    created_at: datetime = Field(sa_column=_ts(False, True))
    updated_at: datetime = Field(sa_column=_ts(False, True))
