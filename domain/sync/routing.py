"""Which users a row change touches, whether the replica has caught up, and conversions. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from domain.sync.changes import Operation, PoisonMessage, RowChange, shown

USER_TABLES = {"users": "id", "user_addresses": "user_id", "claims": "user_id"}
CLAIM_TABLES = {"claim_requirements", "claim_vehicle_packages"}
TRACKED_TABLES = frozenset(USER_TABLES) | CLAIM_TABLES


# The columns that link a row to the rows and users it touches.
ID_COLUMNS = ("id", "user_id", "claim_id")
INT64_LIMIT = 2**63
MAX_ID_TEXT = 64  # the uuid-keyed tables' ids are 36 characters
_ASCII_INTEGER = re.compile(r"-?[0-9]{1,19}")


def as_int(value: Any) -> int | None:
    """An id as a 64-bit integer; None for anything else (never raises)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, str) and _ASCII_INTEGER.fullmatch(value.strip()):
        value = int(value.strip())
    if isinstance(value, int) and -INT64_LIMIT <= value < INT64_LIMIT:
        return value
    return None


def check_ids(change: RowChange) -> None:
    """PoisonMessage unless the columns naming rows and users hold ids (64-bit integers, or
    short plain text for the uuid-keyed tables) or nothing: a value of another type, or
    text the databases cannot take, must not reach a lookup."""
    for image in (change.row, change.before or {}):
        for column in ID_COLUMNS:
            value = image.get(column)
            if value is not None and not _is_id(value):
                raise PoisonMessage(f"{change.table}.{column} is not an id: {shown(value)}")


def _is_id(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -INT64_LIMIT <= value < INT64_LIMIT
    return isinstance(value, str) and 0 < len(value) <= MAX_ID_TEXT and value.isprintable()


@dataclass(frozen=True)
class Lookups:
    """What the replica says about the rows a batch names (one query per table)."""

    versions: Mapping[tuple[str, str], datetime | None]  # (table, id) -> updated_at; absent: gone
    claim_owners: Mapping[int, int] = field(default_factory=dict)  # claim id -> user id
    row_links: Mapping[tuple[str, str], int] = field(default_factory=dict)  # -> user or claim id


def row_id(change: RowChange) -> str | None:
    value = change.value("id")
    return None if value is None else str(value)


def link_needed(change: RowChange) -> tuple[str, int | None]:
    """("user", id) or ("claim", id) named by the images; id None when the replica must say."""
    if change.table in USER_TABLES:
        return "user", as_int(change.value(USER_TABLES[change.table]))
    return "claim", as_int(change.value("claim_id"))


def users_touched(change: RowChange, lookups: Lookups) -> set[int]:
    """The users whose queue this change can move; empty when nobody can tell (logged)."""
    kind, linked = link_needed(change)
    key = (change.table, row_id(change) or "")
    if linked is None:
        linked = lookups.row_links.get(key)
    if linked is None:
        return set()
    if kind == "user":
        return {linked}
    owner = lookups.claim_owners.get(linked)
    return {owner} if owner is not None else set()


class Freshness(StrEnum):
    FRESH = "FRESH"
    REPLICA_BEHIND = "REPLICA_BEHIND"


def freshness(change: RowChange, lookups: Lookups, now: datetime,
              max_lag: timedelta) -> Freshness:
    """Whether the replica already shows this change; if not, the message waits and comes back.

    A row the replica lacks (or still shows, for a delete) past ``max_lag`` after the
    commit is taken as changed again since: we compute from the replica's current rows,
    and the reconciliation covers anything left.
    """
    recent = change.committed_at is None or now - change.committed_at < max_lag
    key = (change.table, row_id(change) or "")
    present = key in lookups.versions
    if change.operation is Operation.DELETE:
        return Freshness.REPLICA_BEHIND if present and recent else Freshness.FRESH
    if not present:
        return Freshness.REPLICA_BEHIND if recent else Freshness.FRESH
    wanted, seen = change.row_updated_at, lookups.versions[key]
    if wanted is not None and seen is not None and seen < wanted:
        return Freshness.REPLICA_BEHIND if recent else Freshness.FRESH
    return Freshness.FRESH


class ConversionKind(StrEnum):
    SIGNED = "SIGNED"
    REQUIREMENT_DONE = "REQUIREMENT_DONE"


@dataclass(frozen=True)
class ConversionSeen:
    kind: ConversionKind
    user_id: int
    claim_id: int | None
    requirement_id: str | None
    occurred_at: datetime

    @property
    def dedupe_key(self) -> str:
        subject = self.requirement_id if self.kind is ConversionKind.REQUIREMENT_DONE \
            else self.user_id
        return f"{self.kind.value}:{subject}"


def conversions_in(changes: Iterable[RowChange], lookups: Lookups, fallback: datetime,
                   left_unsigned: set[int]) -> list[ConversionSeen]:
    """Signatures obtained and requirements completed, read from the images.

    Without a before-image a signature counts only if the user just left the UNSIGNED
    queue: an unrelated update of a long-signed user is not a conversion.
    """
    seen = []
    for change in changes:
        if change.operation is Operation.DELETE:
            continue
        when = change.row_updated_at or change.committed_at or fallback
        if change.table == "users" and change.row.get("current_signature_file_id") is not None:
            users = {u for u in users_touched(change, lookups)
                     if _became_set(change, "current_signature_file_id", u in left_unsigned)}
            seen += [ConversionSeen(ConversionKind.SIGNED, u, None, None, when) for u in users]
        elif change.table == "claim_requirements" and _became(change, "status", "COMPLETED"):
            claim = as_int(change.value("claim_id")) or lookups.row_links.get(
                (change.table, row_id(change) or ""))
            seen += [ConversionSeen(ConversionKind.REQUIREMENT_DONE, u, claim,
                                    row_id(change), when)
                     for u in users_touched(change, lookups)]
    return seen


def _became_set(change: RowChange, column: str, left_unsigned: bool) -> bool:
    if change.operation is Operation.INSERT:
        return False  # a new user created already signed is not a conversion after a call
    if change.before is None or column not in change.before:
        return left_unsigned
    return change.before[column] is None


def _became(change: RowChange, column: str, value: str) -> bool:
    if _text(change.row.get(column)) != value:
        return False
    if change.before is None or column not in change.before:
        # DMS often sends only the key in the before-image: the dedupe key keeps it once.
        return change.operation is Operation.UPDATE
    return _text(change.before[column]) != value


def _text(value: Any) -> str:
    """A status as compared: text only (any other JSON value is no status)."""
    return value.strip().upper() if isinstance(value, str) else ""
