"""Call-centre agents, their roles and their working status."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.agents.passwords import PasswordPolicy
from domain.queue.model import QueueType
from domain.text import NUL_REFUSED, has_nul


class Role(StrEnum):
    AGENT = "AGENT"
    SUPERVISOR = "SUPERVISOR"
    ADMIN = "ADMIN"
    INTEGRATION = "INTEGRATION"


class AgentStatus(StrEnum):
    AVAILABLE = "AVAILABLE"
    ON_CALL = "ON_CALL"
    WRAP_UP = "WRAP_UP"
    PAUSED = "PAUSED"
    OFFLINE = "OFFLINE"


MAX_REASON_LENGTH = 200
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# The hash of an agent with no usable password: the hasher refuses every login against it
# (after the same work as a wrong password), until a password is set.
NO_PASSWORD = ""


class InvalidAgent(ValueError):
    """Input that cannot make or change an agent; the message names the field, and
    ``field`` does when one argument alone is at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class AgentStatusChanged:
    """Domain event: an agent's status changed."""

    agent_id: uuid.UUID
    previous: AgentStatus
    status: AgentStatus
    reason: str | None
    occurred_at: datetime


@dataclass(slots=True)
class Agent:
    id: uuid.UUID
    email: str
    name: str
    role: Role
    password_hash: str
    status: AgentStatus = AgentStatus.OFFLINE
    status_reason: str | None = None
    status_since: datetime | None = None
    is_active: bool = True
    created_at: datetime | None = None
    # Queue types this agent works (QueueType values); None: every type until narrowed.
    queue_types: frozenset[str] | None = None
    # An automated (AI) agent: texts customers from the worker, never logs in.
    automated: bool = False
    # An automated agent's cap on texts an hour, set by a supervisor (None: the default).
    texts_per_hour: int | None = None
    # Set by an admin's reset: the password is temporary, and until the holder sets one of
    # their own (before it expires) their sessions may do nothing else.
    must_change_password: bool = False
    password_expires_at: datetime | None = None
    last_login_at: datetime | None = None
    events: list[AgentStatusChanged] = field(default_factory=list, compare=False, repr=False)

    def may_work(self, queue_type: str) -> bool:
        return self.queue_types is None or queue_type in self.queue_types

    def change_status(self, status: AgentStatus, reason: str | None, at: datetime) -> None:
        """Move to a new status; the same status with the same reason changes nothing."""
        reason = normalise_reason(reason)
        if status is self.status and reason == self.status_reason:
            return
        self.events.append(AgentStatusChanged(self.id, self.status, status, reason, at))
        self.status, self.status_reason, self.status_since = status, reason, at


MAX_TEXTS_PER_HOUR = 3600


def check_texts_per_hour(value: int) -> int:
    """An automated agent's hourly cap: a whole number from 0 (none) to MAX_TEXTS_PER_HOUR."""
    if not 0 <= value <= MAX_TEXTS_PER_HOUR:
        raise InvalidAgent(f"textsPerHour must be from 0 to {MAX_TEXTS_PER_HOUR}, not {value}",
                           "textsPerHour")
    return value


def normalise_email(raw: str) -> str:
    email = (raw or "").strip().lower()
    if not _EMAIL.match(email) or len(email) > 254:
        raise InvalidAgent(f"email {raw!r} is not a valid e-mail address")
    return email


def normalise_reason(raw: str | None) -> str | None:
    reason = (raw or "").strip() or None
    if reason is not None and len(reason) > MAX_REASON_LENGTH:
        raise InvalidAgent(f"reason is longer than {MAX_REASON_LENGTH} characters")
    if has_nul(reason):
        raise InvalidAgent(f"reason {NUL_REFUSED}")
    return reason


def check_new_agent(email: str, password: str, name: str, role: str,
                    policy: PasswordPolicy) -> tuple[str, str, Role]:
    """Validate a new agent's fields; every problem named at once."""
    return check_agent(email, name, role, password or "", policy)


def check_agent(email: str, name: str, role: str, password: str | None,
                policy: PasswordPolicy) -> tuple[str, str, Role]:
    """Validate an agent's fields (``password`` None: none given); every problem named at
    once (``field`` set when they are all one field's)."""
    identity, problems = _identity(email, name, role)
    if password is not None:
        problems += [("password", p) for p in
                     policy.problems(password, email=identity[0], name=name or "")]
    _refuse(problems)
    return identity


def check_identity(email: str, name: str, role: str) -> tuple[str, str, Role]:
    """An account's e-mail, name and role (one with no password); every problem at once."""
    identity, problems = _identity(email, name, role)
    _refuse(problems)
    return identity


def _refuse(problems: list[tuple[str, str]]) -> None:
    if problems:
        fields = {f for f, _ in problems}
        raise InvalidAgent("; ".join(p for _, p in problems),
                           fields.pop() if len(fields) == 1 else None)


def _identity(email: str, name: str,
              role: str) -> tuple[tuple[str, str, Role], list[tuple[str, str]]]:
    problems: list[tuple[str, str]] = []
    clean_email, clean_name, clean_role = "", "", Role.AGENT
    try:
        clean_email = normalise_email(email)
    except InvalidAgent as exc:
        problems.append(("email", str(exc)))
    try:
        clean_name = check_name(name)
    except InvalidAgent as exc:
        problems.append(("name", str(exc)))
    try:
        clean_role = parse_role(role)
    except InvalidAgent as exc:
        problems.append(("role", str(exc)))
    return (clean_email, clean_name, clean_role), problems


def check_name(raw: str) -> str:
    name = (raw or "").strip()
    if not name or len(name) > 200:
        raise InvalidAgent("name must be 1 to 200 characters", "name")
    if has_nul(name):
        raise InvalidAgent(f"name {NUL_REFUSED}", "name")
    return name


def parse_role(raw: str) -> Role:
    """A role as written (any case, spaces around allowed); InvalidAgent names the choices."""
    try:
        return Role(str(raw).strip().upper())
    except ValueError:
        raise InvalidAgent(f"role {raw!r} is not one of "
                           f"{', '.join(r.value for r in Role)}") from None


def parse_queue_types(raw: str | None) -> frozenset[str] | None:
    """Queue types as written in a file ("UNSIGNED;CALLBACK"); blank: every type (None)."""
    names = [part.strip() for part in (raw or "").split(";") if part.strip()]
    unknown = [n for n in names if n.upper() not in QueueType.__members__]
    if unknown:
        raise InvalidAgent(f"queue type {unknown[0]!r} is not one of "
                           f"{', '.join(t.value for t in QueueType)}")
    return frozenset(n.upper() for n in names) or None


def new_agent(email: str, name: str, role: Role, password_hash: str, at: datetime) -> Agent:
    return Agent(id=uuid.uuid4(), email=email, name=name, role=role,
                 password_hash=password_hash, status_since=at, created_at=at)
