"""The dialler's queue tables: entries, callbacks, dispositions, do-not-call, rule sets."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

from infrastructure.postgres.tables import timestamp_column as _ts


class QueueEntryRow(SQLModel, table=True):
    __tablename__ = "queue_entries"
    __table_args__ = (Index("queue_entries_order_idx", "queue_type", "score", "user_id"),
                      Index("queue_entries_lease_idx", "leased_to"),
                      Index("queue_entries_next_change_idx", "next_change_at",
                            postgresql_where=text("next_change_at IS NOT NULL")))

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    queue_type: str = Field(sa_column=Column(String(24), nullable=False))
    score: float = Field(sa_column=Column(Float, nullable=False))
    next_call_after: datetime | None = Field(default=None, sa_column=_ts())
    callback_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    personal_agent_id: uuid.UUID | None = Field(default=None)
    due_at: datetime | None = Field(default=None, sa_column=_ts())
    rule_set_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    experiment_arm: str | None = Field(default=None, sa_column=Column(String(16)))
    lease_id: uuid.UUID | None = Field(default=None)
    leased_to: uuid.UUID | None = Field(default=None)
    lease_expires_at: datetime | None = Field(default=None, sa_column=_ts())
    updated_at: datetime = Field(sa_column=_ts(False, True))
    # When the score may next change with time alone, and the scoring facts it came from
    # (domain.queue.model.QueueEntry.basis; NULL failed attempts: none kept).
    next_change_at: datetime | None = Field(default=None, sa_column=_ts())
    basis_date_of_birth: date | None = Field(default=None, sa_column=Column(Date))
    basis_post_code: str | None = Field(default=None, sa_column=Column(Text))
    basis_lenders: list[str | None] | None = Field(default=None,
                                                   sa_column=Column(ARRAY(Text)))
    basis_claims_created: list[datetime | None] | None = Field(
        default=None, sa_column=Column(ARRAY(DateTime(timezone=True))))
    basis_last_outcome: str | None = Field(default=None, sa_column=Column(String(32)))
    basis_last_reached_at: datetime | None = Field(default=None, sa_column=_ts())
    basis_failed_attempts: int | None = Field(default=None, sa_column=Column(Integer))
    basis_last_called_at: datetime | None = Field(default=None, sa_column=_ts())
    # When the score was worked out, and by which rule set version and experiment arm.
    scored_at: datetime | None = Field(default=None, sa_column=_ts())
    scored_version: int | None = Field(default=None, sa_column=Column(Integer))
    scored_arm: str | None = Field(default=None, sa_column=Column(String(16)))
    # The learned habits it was scored from (domain.scoring.habits.UserHabits; NULL: none),
    # and the learning snapshot whose tables scored it.
    basis_window_start: int | None = Field(default=None, sa_column=Column(SmallInteger))
    basis_window_end: int | None = Field(default=None, sa_column=Column(SmallInteger))
    basis_window_answered: int | None = Field(default=None, sa_column=Column(Integer))
    basis_window_calls: int | None = Field(default=None, sa_column=Column(Integer))
    basis_window_rate: float | None = Field(default=None, sa_column=Column(Float))
    basis_window_confidence: float | None = Field(default=None, sa_column=Column(Float))
    basis_answered: int | None = Field(default=None, sa_column=Column(Integer))
    basis_calls: int | None = Field(default=None, sa_column=Column(Integer))
    basis_call_rate: float | None = Field(default=None, sa_column=Column(Float))
    basis_call_confidence: float | None = Field(default=None, sa_column=Column(Float))
    basis_replied: int | None = Field(default=None, sa_column=Column(Integer))
    basis_texts: int | None = Field(default=None, sa_column=Column(Integer))
    basis_text_rate: float | None = Field(default=None, sa_column=Column(Float))
    basis_text_confidence: float | None = Field(default=None, sa_column=Column(Float))
    basis_hour_rates: list[float] | None = Field(default=None,
                                                 sa_column=Column(ARRAY(Float)))
    scored_snapshot: int | None = Field(default=None, sa_column=Column(Integer))
    # When agent matching first handed out another entry ahead of this, the most urgent.
    passed_over_at: datetime | None = Field(default=None, sa_column=_ts())


class LeaseRow(SQLModel, table=True):
    """One agent's hold on one user, kept after it ends so its disposition always lands."""

    __tablename__ = "leases"
    __table_args__ = (Index("leases_agent_idx", "agent_id", "created_at"),
                      Index("leases_open_agent_idx", "agent_id",
                            postgresql_where=text("ended_at IS NULL")))

    id: uuid.UUID = Field(primary_key=True)
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    agent_id: uuid.UUID = Field(foreign_key="agents.id")
    queue_type: str = Field(sa_column=Column(String(24), nullable=False))
    score: float = Field(sa_column=Column(Float, nullable=False))
    created_at: datetime = Field(sa_column=_ts(False, True))
    expires_at: datetime = Field(sa_column=_ts(False))
    ended_at: datetime | None = Field(default=None, sa_column=_ts())
    # Why agent matching handed this lead out ahead of the most urgent (NULL: it did not).
    match_reason: str | None = Field(default=None, sa_column=Column(Text))
    end_reason: str | None = Field(default=None, sa_column=Column(String(32)))


class CallbackRow(SQLModel, table=True):
    __tablename__ = "callbacks"
    __table_args__ = (Index("callbacks_due_idx", "status", "scheduled_for"),
                      Index("callbacks_user_idx", "user_id"),
                      Index("callbacks_pending_agent_idx", "agent_id",
                            postgresql_where=text("status = 'pending'")),
                      # The callbacks list: everyone's, or one agent's, by time due.
                      Index("callbacks_time_idx", "scheduled_for", "id"),
                      Index("callbacks_agent_time_idx", "agent_id", "scheduled_for", "id"))

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True,
                                                          autoincrement=True))
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    scheduled_for: datetime = Field(sa_column=_ts(False))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    personal: bool = Field(sa_column=Column(Boolean, nullable=False, server_default="false"))
    agent_id: uuid.UUID | None = Field(default=None, foreign_key="agents.id")
    note: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(sa_column=_ts(False, True))
    updated_at: datetime = Field(sa_column=_ts(False, True))


class DispositionRow(SQLModel, table=True):
    __tablename__ = "dispositions"
    __table_args__ = (Index("dispositions_user_idx", "user_id", "created_at",
                            postgresql_include=["outcome"]),  # a user's first contact
                      Index("dispositions_agent_idx", "agent_id", "created_at"),
                      Index("dispositions_created_idx", "created_at"))

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True,
                                                          autoincrement=True))
    lease_id: uuid.UUID = Field(sa_column_kwargs={"unique": True})
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    agent_id: uuid.UUID = Field(foreign_key="agents.id")
    queue_type: str = Field(sa_column=Column(String(24), nullable=False))
    outcome: str = Field(sa_column=Column(String(32), nullable=False))
    notes: str | None = Field(default=None, sa_column=Column(Text))
    call_sid: str | None = Field(default=None, sa_column=Column(String(64)))
    next_call_after: datetime | None = Field(default=None, sa_column=_ts())
    created_at: datetime = Field(sa_column=_ts(False, True))


class DoNotCallRow(SQLModel, table=True):
    __tablename__ = "do_not_call"

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    reason: str = Field(sa_column=Column(String(200), nullable=False))
    created_at: datetime = Field(sa_column=_ts(False, True))


class DoNotCallEntryRow(SQLModel, table=True):
    """The do-not-call list: each entry a user or a number (blocking every user who has
    it), with why and who; a removed entry is kept, with who removed it and why."""

    __tablename__ = "do_not_call_entries"
    __table_args__ = (
        CheckConstraint("user_id IS NOT NULL OR e164 IS NOT NULL",
                        name="do_not_call_entries_names_someone"),
        Index("do_not_call_entries_user_idx", "user_id",
              postgresql_where=text("removed_at IS NULL")),
        Index("do_not_call_entries_e164_idx", "e164",
              postgresql_where=text("removed_at IS NULL")),
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True,
                                                          autoincrement=True))
    user_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    e164: str | None = Field(default=None, sa_column=Column(String(20)))
    reason: str = Field(sa_column=Column(String(24), nullable=False))
    note: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(sa_column=_ts(False))
    created_by: uuid.UUID | None = Field(default=None, foreign_key="agents.id")
    removed_at: datetime | None = Field(default=None, sa_column=_ts())
    removed_by: uuid.UUID | None = Field(default=None, foreign_key="agents.id")
    removal_note: str | None = Field(default=None, sa_column=Column(Text))


class UserPhoneRow(SQLModel, table=True):
    """Phone validity, worked out once per number seen (phonenumbers costs ~50 µs)."""

    __tablename__ = "user_phones"

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    raw: str | None = Field(default=None, sa_column=Column(String(64)))
    e164: str | None = Field(default=None, sa_column=Column(String(20)))


class CallBlockRow(SQLModel, table=True):
    """Outcomes that stop calls until something changes (wrong number, no claim)."""

    __tablename__ = "call_blocks"

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    wrong_number_phone: str | None = Field(default=None, sa_column=Column(String(64)))
    no_claim_fingerprint: str | None = Field(default=None, sa_column=Column(String(64)))


class RuleSetRow(SQLModel, table=True):
    __tablename__ = "rule_sets"

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True,
                                                          autoincrement=True))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    version: int = Field(sa_column=Column(Integer, nullable=False, unique=True))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    document: dict = Field(sa_column=Column(JSONB, nullable=False))
    created_by: uuid.UUID | None = Field(default=None)
    created_at: datetime = Field(sa_column=_ts(False, True))
    activated_at: datetime | None = Field(default=None, sa_column=_ts())


class ExperimentRow(SQLModel, table=True):
    __tablename__ = "experiments"

    id: uuid.UUID = Field(primary_key=True)
    name: str = Field(sa_column=Column(String(200), nullable=False))
    control_rule_set_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    variant_rule_set_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    share: float = Field(sa_column=Column(Float, nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    started_at: datetime = Field(sa_column=_ts(False, True))
    ended_at: datetime | None = Field(default=None, sa_column=_ts())


class QueueEventRow(SQLModel, table=True):
    """Every membership or score change, for analytics and movement reports."""

    __tablename__ = "queue_events"
    __table_args__ = (Index("queue_events_occurred_idx", "occurred_at"),
                      Index("queue_events_user_idx", "user_id", "occurred_at"),
                      Index("queue_events_xact_idx", "xact"),
                      # Who joined a queue in a period (queueFlow), without the table.
                      Index("queue_events_joins_idx", "occurred_at",
                            postgresql_include=["to_queue", "user_id"],
                            postgresql_where=text("kind IN ('ADDED', 'MOVED')")))

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True,
                                                          autoincrement=True))
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    kind: str = Field(sa_column=Column(String(12), nullable=False))
    from_queue: str | None = Field(default=None, sa_column=Column(String(24)))
    to_queue: str | None = Field(default=None, sa_column=Column(String(24)))
    score: float | None = Field(default=None, sa_column=Column(Float))
    reason: str = Field(sa_column=Column(String(200), nullable=False))
    occurred_at: datetime = Field(sa_column=_ts(False))
    # Why (domain.queue.model.MovementCause); NULL for events written before causes were.
    cause: str | None = Field(default=None, sa_column=Column(String(24)))
    # The writing transaction's id (xid8), set by PostgreSQL: what the movement rollup
    # finds events committed since its last run by (NULL: written before it was kept).
    xact: int | None = Field(default=None, sa_column=Column(
        BigInteger, server_default=text("(pg_current_xact_id())::text::bigint")))


class QueueMarkRow(SQLModel, table=True):
    """When a user's entry was last computed incrementally (a ``queue_compute_seq`` value
    taken after its replica read): an older rebuild must not overwrite it."""

    __tablename__ = "queue_marks"

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    seq: int = Field(sa_column=Column(BigInteger, nullable=False))


class QueueRangeMarkRow(SQLModel, table=True):
    """When a rebuild last wrote a range of user ids (``queue_compute_seq``)."""

    __tablename__ = "queue_range_marks"

    range_no: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    seq: int = Field(sa_column=Column(BigInteger, nullable=False))


class QueueDirtyRow(SQLModel, table=True):
    """A user whose dialler facts changed and whose entry is not recomputed yet: written
    with the change, removed by the recompute, swept by the timers if that failed."""

    __tablename__ = "queue_dirty"
    __table_args__ = (Index("queue_dirty_marked_idx", "marked_at"),)

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    marked_at: datetime = Field(sa_column=_ts(False))


class QueueInputsRow(SQLModel, table=True):
    """What a rebuild last built a user's entry (or absence) from (domain.queue.inputs):
    written with the entry, removed by every other writer of it."""

    __tablename__ = "queue_inputs"

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    digest: int = Field(sa_column=Column(BigInteger, nullable=False))
    seen_at: datetime = Field(sa_column=_ts(False))
    good_until: datetime | None = Field(default=None, sa_column=_ts(True))
