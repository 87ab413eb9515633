"""The audit trail's table: one row per (request, user) read, one per mutation field."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, String, text
from sqlmodel import Field, SQLModel

from domain.audit.model import MAX_ADDRESS_LENGTH, MAX_OPERATION_LENGTH
from infrastructure.postgres.tables import timestamp_column


class AuditLogRow(SQLModel, table=True):
    """Append-only; no foreign keys, so that no row can make a batch fail (an agent's
    rows outlive the agent)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        # auditLog by user, and by agent: range scans newest first, in page order.
        Index("audit_log_user_idx", "user_id", "at", "id",
              postgresql_where=text("user_id IS NOT NULL")),
        Index("audit_log_agent_idx", "agent_id", "at", "id",
              postgresql_where=text("agent_id IS NOT NULL")),
        # Retention: rows arrive in time order, so a BRIN index finds old ones cheaply.
        Index("audit_log_at_brin", "at", postgresql_using="brin"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True,
                                                          autoincrement=True))
    at: datetime = Field(sa_column=timestamp_column(False))
    kind: str = Field(sa_column=Column(String(8), nullable=False))  # READ | MUTATION
    agent_id: uuid.UUID | None = Field(default=None)
    user_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    operation: str = Field(sa_column=Column(String(MAX_OPERATION_LENGTH), nullable=False))
    address: str | None = Field(default=None, sa_column=Column(String(MAX_ADDRESS_LENGTH)))
