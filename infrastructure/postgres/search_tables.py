"""The user search table: what supervisors find customers by, kept from the replica."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, String, Text
from sqlmodel import Field, SQLModel

from infrastructure.postgres.tables import timestamp_column as _ts


class UserSearchRow(SQLModel, table=True):
    """One row per replica user: the keys domain.users.search matches a query against.
    E-mail and phone keys sort bytewise ("C"), so a prefix is an index range in order."""

    __tablename__ = "user_search"
    __table_args__ = (
        Index("user_search_name_idx", "name_key", "user_id"),
        Index("user_search_email_idx", "email_key", "user_id"),
        Index("user_search_phone_idx", "phone_key", "user_id"),
    )

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    name_key: str = Field(sa_column=Column(Text, nullable=False))
    email_key: str | None = Field(default=None, sa_column=Column(Text(collation="C")))
    phone_key: str | None = Field(default=None, sa_column=Column(String(20, collation="C")))
    indexed_at: datetime = Field(sa_column=_ts(False))


class UserSearchNameRow(SQLModel, table=True):
    """Every distinct name key in use (and, until the next full pass, some no longer in
    use): names are ranked here, on a trigram index far smaller than one over every user
    where many share a name, and their users then read by name."""

    __tablename__ = "user_search_names"
    __table_args__ = (
        Index("user_search_names_trgm_idx", "name_key", postgresql_using="gin",
              postgresql_ops={"name_key": "gin_trgm_ops"}),
    )

    name_key: str = Field(sa_column=Column(Text, primary_key=True))


class UserSearchClaimRow(SQLModel, table=True):
    """Which user a claim id belongs to (a supervisor often has only the claim's number)."""

    __tablename__ = "user_search_claims"
    __table_args__ = (Index("user_search_claims_user_idx", "user_id"),)

    claim_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
