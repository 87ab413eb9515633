"""Calls and texts from a previous system, one row of an import each (contracts/call_history.md).

Every rule a row must keep is here; a row that breaks any is refused with every reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from domain.calls.outcomes import CallOutcome
from domain.messaging.model import Direction

REQUIRED_COLUMNS = ("external_id", "user_id", "occurred_at", "channel", "direction")
OPTIONAL_COLUMNS = ("outcome", "talk_seconds", "agent_email")
MAX_EXTERNAL_ID = 128
MAX_EMAIL = 320


class Channel(StrEnum):
    CALL = "call"
    SMS = "sms"


class TextOutcome(StrEnum):
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    REPLIED = "replied"  # an outbound text the user answered


class InvalidHistoryRow(ValueError):
    """A row that breaks the import's rules; the message names every rule it breaks."""


@dataclass(frozen=True, slots=True)
class HistoryRecord:
    external_id: str
    user_id: int
    occurred_at: datetime  # UTC
    channel: Channel
    direction: Direction
    call_outcome: CallOutcome | None = None
    text_outcome: TextOutcome | None = None
    talk_seconds: int | None = None
    agent_email: str | None = None


def history_record(values: Mapping[str, str]) -> HistoryRecord:
    """The record a row's cells (by column name) describe; InvalidHistoryRow otherwise."""
    problems: list[str] = []
    external_id = _external_id(values.get("external_id", ""), problems)
    user_id = _user_id(values.get("user_id", ""), problems)
    occurred_at = _occurred_at(values.get("occurred_at", ""), problems)
    channel = _choice(Channel, "channel", values.get("channel", ""), problems)
    direction = _choice(Direction, "direction", values.get("direction", ""), problems)
    outcome = (values.get("outcome") or "").strip().lower()
    call_outcome, text_outcome = _outcome(channel, direction, outcome, problems)
    talk_seconds = _talk_seconds(channel, (values.get("talk_seconds") or "").strip(), problems)
    email = (values.get("agent_email") or "").strip().lower() or None
    if email is not None and (len(email) > MAX_EMAIL or "@" not in email):
        problems.append(f"agent_email {email[:40]!r} is not an e-mail address")
    if problems:
        raise InvalidHistoryRow("; ".join(problems))
    return HistoryRecord(external_id, user_id, occurred_at, channel, direction, call_outcome,
                         text_outcome, talk_seconds, email)


def _external_id(raw: str, problems: list[str]) -> str:
    value = raw.strip()
    if not value:
        problems.append("external_id is empty")
    elif len(value) > MAX_EXTERNAL_ID:
        problems.append(f"external_id is longer than {MAX_EXTERNAL_ID} characters")
    return value


def _user_id(raw: str, problems: list[str]) -> int:
    value = raw.strip()
    if not value.isdigit() or int(value) < 1:
        problems.append(f"user_id {value[:20]!r} is not a positive whole number")
        return 0
    return int(value)


def _occurred_at(raw: str, problems: list[str]) -> datetime:
    value = raw.strip()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        problems.append(f"occurred_at {value[:40]!r} is not an ISO 8601 time")
        return datetime.min.replace(tzinfo=UTC)
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        problems.append(f"occurred_at {value[:40]!r} has no offset (give +00:00, +01:00 or Z)")
        return datetime.min.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _choice(kind, column: str, raw: str, problems: list[str]):
    """A member of ``kind`` by its value in any case."""
    value = raw.strip().lower()
    found = {member.value.lower(): member for member in kind}.get(value)
    if found is None:
        allowed = ", ".join(member.value.lower() for member in kind)
        problems.append(f"{column} {value[:20]!r} is not one of {allowed}")
    return found


def _outcome(channel: Channel | None, direction: Direction | None, outcome: str,
             problems: list[str]) -> tuple[CallOutcome | None, TextOutcome | None]:
    if channel is Channel.CALL:
        if not outcome:
            if direction is Direction.OUTBOUND:
                problems.append("outcome is required for an outbound call")
            return None, None
        try:
            return CallOutcome(outcome), None
        except ValueError:
            allowed = ", ".join(o.value.upper() for o in CallOutcome)
            problems.append(f"outcome {outcome[:30]!r} is not a disposition ({allowed})")
            return None, None
    if channel is Channel.SMS and outcome:
        try:
            found = TextOutcome(outcome)
        except ValueError:
            allowed = ", ".join(o.value for o in TextOutcome)
            problems.append(f"outcome {outcome[:30]!r} is not a text's outcome ({allowed})")
            return None, None
        if found is TextOutcome.REPLIED and direction is Direction.INBOUND:
            problems.append("outcome 'replied' is for an outbound text")
        return None, found
    return None, None


def _talk_seconds(channel: Channel | None, raw: str, problems: list[str]) -> int | None:
    if not raw:
        return None
    if channel is Channel.SMS:
        problems.append("talk_seconds is for calls, not texts")
        return None
    if not raw.isdigit():
        problems.append(f"talk_seconds {raw[:20]!r} is not a whole number of seconds ≥ 0")
        return None
    return int(raw)
