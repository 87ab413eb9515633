"""Agents over asyncpg alone: the account commands' unit of work, without SQLAlchemy,
and the agent read of every request.

Loading SQLAlchemy and the SQLModel tables costs a CLI process most of a second; the
account commands (`agents create`, `agents import`) need only the agents table. New and
changed agents are written at commit in one bulk statement each.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import astuple, dataclass
from typing import Any

import asyncpg

from domain.agents.model import Agent, AgentStatus, InvalidAgent, Role
from domain.agents.ports import (
    AgentDirectory,
    AgentPage,
    AgentPosition,
    AgentProfiles,
    AgentRepository,
)
from domain.unit_of_work import UnitOfWork

AGENT_COLUMNS = _COLUMNS = ("id, email, name, role, password_hash, status, status_reason, "
                            "status_since, is_active, created_at, queue_types, automated, "
                            "texts_per_hour, must_change_password, password_expires_at, "
                            "last_login_at")
# One array per column; queue types travel comma-joined (an array of arrays must be square).
_UNNEST = ("unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], "
           "$7::text[], $8::timestamptz[], $9::bool[], $10::timestamptz[], $11::text[], "
           "$12::bool[], $13::int[], $14::bool[], $15::timestamptz[], $16::timestamptz[]) "
           f"AS v({_COLUMNS})")
_QUEUE_TYPES = "string_to_array(v.queue_types, ',')"  # NULL (every type) stays NULL
_INSERT = (f"INSERT INTO agents ({_COLUMNS}) SELECT v.id, v.email, v.name, v.role, "
           "v.password_hash, v.status, v.status_reason, v.status_since, v.is_active, "
           f"COALESCE(v.created_at, now()), {_QUEUE_TYPES}, v.automated, v.texts_per_hour, "
           "v.must_change_password, v.password_expires_at, v.last_login_at "
           f"FROM {_UNNEST} "
           "ON CONFLICT (email) DO NOTHING RETURNING email")
_UPDATE = ("UPDATE agents AS a SET email = v.email, name = v.name, role = v.role, "
           "password_hash = v.password_hash, status = v.status, status_reason = v.status_reason, "
           f"status_since = v.status_since, is_active = v.is_active, queue_types = {_QUEUE_TYPES}, "
           "automated = v.automated, texts_per_hour = v.texts_per_hour, "
           "must_change_password = v.must_change_password, "
           "password_expires_at = v.password_expires_at, last_login_at = v.last_login_at "
           f"FROM {_UNNEST} WHERE a.id = v.id")


@dataclass(frozen=True, slots=True)
class _Row:
    """An agent as its columns, in _COLUMNS order (also the snapshot changes are found by)."""

    id: uuid.UUID
    email: str
    name: str
    role: str
    password_hash: str
    status: str
    status_reason: str | None
    status_since: object
    is_active: bool
    created_at: object
    queue_types: str | None
    automated: bool
    texts_per_hour: int | None
    must_change_password: bool
    password_expires_at: object
    last_login_at: object

    @classmethod
    def of(cls, agent: Agent) -> _Row:
        types = ",".join(sorted(agent.queue_types)) if agent.queue_types is not None else None
        return cls(agent.id, agent.email, agent.name, agent.role.value, agent.password_hash,
                   agent.status.value, agent.status_reason, agent.status_since, agent.is_active,
                   agent.created_at, types, agent.automated, agent.texts_per_hour,
                   agent.must_change_password, agent.password_expires_at, agent.last_login_at)


def agent_from(field: Callable[[str], Any]) -> Agent:
    """An agent from a row's fields, whichever driver read them."""
    queue_types = field("queue_types")
    return Agent(id=field("id"), email=field("email"), name=field("name"),
                 role=Role(field("role")), password_hash=field("password_hash"),
                 status=AgentStatus(field("status")), status_reason=field("status_reason"),
                 status_since=field("status_since"), is_active=field("is_active"),
                 created_at=field("created_at"),
                 queue_types=frozenset(queue_types) if queue_types is not None else None,
                 automated=field("automated"), texts_per_hour=field("texts_per_hour"),
                 must_change_password=field("must_change_password"),
                 password_expires_at=field("password_expires_at"),
                 last_login_at=field("last_login_at"))


def agent_from_row(record: asyncpg.Record) -> Agent:
    """An agent from a row holding AGENT_COLUMNS (other columns may be there too)."""
    return agent_from(record.__getitem__)


class PgAgentProfiles(AgentProfiles):
    """One primary-key read on the pool: no ORM session on the hot path."""

    def __init__(self, pool: asyncpg.Pool):
        self._pool = pool

    async def get(self, agent_id: uuid.UUID) -> Agent | None:
        row = await self._pool.fetchrow(f"SELECT {_COLUMNS} FROM agents WHERE id = $1",
                                        agent_id)
        return agent_from_row(row) if row else None


_PAGE = f"""
SELECT {_COLUMNS}, count(*) OVER () AS total FROM agents
WHERE ($1::text IS NULL OR role = $1) AND ($2::bool IS NULL OR is_active = $2)
ORDER BY name COLLATE "C", id
"""


class PgAgentDirectory(AgentDirectory):
    """Accounts by name: a floor has hundreds, so a page reads the filtered list once."""

    def __init__(self, pool: asyncpg.Pool):
        self._pool = pool

    async def page(self, *, first: int, after: AgentPosition | None, role: Role | None,
                   active: bool | None) -> AgentPage:
        # The total counts every agent the filters keep, wherever the page starts, so the
        # cursor's cut is made here (by code point, as "C" sorts), not in the query.
        records = await self._pool.fetch(_PAGE, role.value if role else None, active)
        total = records[0]["total"] if records else 0
        if after is not None:
            records = [r for r in records if (r["name"], r["id"]) > (after.name, after.id)]
        return AgentPage([agent_from_row(r) for r in records[:first]], total,
                         len(records) > first)


def _columns(rows: list[_Row]) -> list[list]:
    return [list(column) for column in zip(*(astuple(r) for r in rows), strict=True)]


class PgAgentRepository(AgentRepository):
    """Agents on one connection; changes are held until ``flush``."""

    def __init__(self, conn: asyncpg.Connection):
        super().__init__()
        self._conn = conn
        self._added: list[Agent] = []
        self._loaded: dict[uuid.UUID, _Row] = {}

    def _add(self, agent: Agent) -> None:
        self._added.append(agent)

    async def _get(self, agent_id: uuid.UUID, for_update: bool) -> Agent | None:
        found = await self._select("id = $1", agent_id, for_update=for_update)
        return found[0] if found else None

    async def _get_by_email(self, email: str) -> Agent | None:
        found = await self._select("email = $1", email)
        return found[0] if found else None

    async def _get_by_emails(self, emails: list[str], for_update: bool) -> list[Agent]:
        # In e-mail order, so concurrent writers lock rows in one order (no deadlock).
        return await self._select("email = ANY($1::text[]) ORDER BY email", emails,
                                  for_update=for_update)

    async def _get_many(self, agent_ids: list[uuid.UUID]) -> dict[uuid.UUID, Agent]:
        records = await self._conn.fetch(
            f"SELECT {_COLUMNS} FROM agents WHERE id = ANY($1::uuid[])", agent_ids)
        return {r["id"]: agent_from_row(r) for r in records}

    async def _select(self, where: str, value, *, for_update: bool = False) -> list[Agent]:
        lock = " FOR UPDATE" if for_update else ""
        records = await self._conn.fetch(f"SELECT {_COLUMNS} FROM agents WHERE {where}{lock}",
                                         value)
        agents = []
        for record in records:
            agent = self._tracked.get(record["id"]) or agent_from_row(record)
            self._loaded.setdefault(agent.id, _Row.of(agent))
            agents.append(agent)
        return agents

    async def flush(self) -> None:
        """Insert the added agents and update the changed ones: one statement each."""
        added = {a.id for a in self._added}
        if any(agent.events for agent in self.tracked()):
            # Status history lives in the full unit of work; dropping it silently would lie.
            raise NotImplementedError("status changes go through the full unit of work")
        changed = [_Row.of(a) for a in self.tracked()
                   if a.id not in added and _Row.of(a) != self._loaded.get(a.id)]
        if self._added:
            await self._insert([_Row.of(a) for a in self._added])
        if changed:
            await self._write(_UPDATE, changed)
        for agent in self.tracked():
            self._loaded[agent.id] = _Row.of(agent)
        self._added = []

    async def _insert(self, rows: list[_Row]) -> None:
        inserted = {r["email"] for r in await self._write(_INSERT, rows)}
        taken = [r.email for r in rows if r.email not in inserted]
        if taken:
            raise InvalidAgent(f"an agent with e-mail {taken[0]!r} already exists")

    async def _write(self, sql: str, rows: list[_Row]) -> list[asyncpg.Record]:
        try:
            return await self._conn.fetch(sql, *_columns(rows))
        except asyncpg.UniqueViolationError as exc:  # an e-mail changed to one already taken
            raise InvalidAgent(f"an agent with that e-mail already exists ({exc.detail})") from None


class PgAccountsUnitOfWork(UnitOfWork):
    """One transaction on one pooled connection; agents only (no sessions or scores)."""

    def __init__(self, pool: asyncpg.Pool):
        self._pool = pool
        self._conn: asyncpg.Connection | None = None
        self._transaction = None

    async def __aenter__(self) -> PgAccountsUnitOfWork:
        self._conn = await self._pool.acquire()
        await self._begin()
        self.agents = PgAgentRepository(self._conn)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        try:
            await super().__aexit__(*exc_info)
        finally:
            await self._pool.release(self._conn)
            self._conn = None

    async def _begin(self) -> None:
        self._transaction = self._conn.transaction()
        await self._transaction.start()

    async def _commit(self) -> None:
        await self.agents.flush()
        await self._transaction.commit()
        self._transaction = None

    async def rollback(self) -> None:
        if self._transaction is not None:
            transaction, self._transaction = self._transaction, None
            await transaction.rollback()
