"""Magic links: hashed tokens, sends, clicks, redemptions."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, Integer, String
from sqlmodel import Field, SQLModel

from infrastructure.postgres.tables import timestamp_column as _ts


class MagicLinkRow(SQLModel, table=True):
    """One link sent to a user; the token itself is never stored, only its SHA-256."""

    __tablename__ = "magic_links"
    __table_args__ = (Index("magic_links_user_idx", "user_id", "sent_at"),
                      Index("magic_links_expires_idx", "expires_at"))

    id: uuid.UUID = Field(primary_key=True)
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    purpose: str = Field(sa_column=Column(String(24), nullable=False))  # SIGN | UPLOAD_DOCUMENTS…
    channel: str = Field(sa_column=Column(String(8), nullable=False))  # SMS | EMAIL
    sent_to: str | None = Field(default=None, sa_column=Column(String(64)))  # masked
    sent_by: uuid.UUID | None = Field(default=None, foreign_key="agents.id")  # NULL: automated
    delivery_ref: str | None = Field(default=None, sa_column=Column(String(64)))
    sent_at: datetime = Field(sa_column=_ts(False))
    expires_at: datetime = Field(sa_column=_ts(False))
    clicked_at: datetime | None = Field(default=None, sa_column=_ts())
    last_clicked_at: datetime | None = Field(default=None, sa_column=_ts())
    click_count: int = Field(default=0, sa_column=Column(Integer, nullable=False,
                                                         server_default="0"))
    used_at: datetime | None = Field(default=None, sa_column=_ts())
    # Set when the token may have been seen (kept readable once) or the link was replaced
    # by a successor: it no longer redeems.
    revoked_at: datetime | None = Field(default=None, sa_column=_ts())
