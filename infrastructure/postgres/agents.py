"""Agents and their sessions in PostgreSQL, mapped to and from the domain."""

from __future__ import annotations

import uuid
from functools import partial

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.agents.model import Agent, AgentStatusChanged
from domain.agents.ports import AgentRepository, AgentSessionRepository
from domain.agents.sessions import AgentSession
from infrastructure.postgres.agent_accounts import agent_from
from infrastructure.postgres.tables import AgentRow, AgentSessionRow, AgentStatusHistoryRow


def _to_domain(row: AgentRow) -> Agent:
    return agent_from(partial(getattr, row))


def _copy_to_row(agent: Agent, row: AgentRow) -> None:
    for name in ("email", "name", "password_hash", "status_reason", "status_since",
                 "is_active", "automated", "texts_per_hour", "must_change_password",
                 "password_expires_at", "last_login_at"):
        setattr(row, name, getattr(agent, name))
    row.role, row.status = agent.role.value, agent.status.value
    row.queue_types = sorted(agent.queue_types) if agent.queue_types is not None else None


class SqlAgentRepository(AgentRepository):
    def __init__(self, session: AsyncSession):
        super().__init__()
        self._session = session
        self._rows: dict[uuid.UUID, AgentRow] = {}
        self._recorded: set[int] = set()

    def _add(self, agent: Agent) -> None:
        row = AgentRow(id=agent.id, created_at=agent.created_at, role=agent.role.value,
                       status=agent.status.value, email=agent.email, name=agent.name,
                       password_hash=agent.password_hash)
        _copy_to_row(agent, row)
        self._session.add(row)
        self._rows[agent.id] = row

    async def _get(self, agent_id: uuid.UUID, for_update: bool) -> Agent | None:
        query = select(AgentRow).where(AgentRow.id == agent_id)
        return await self._load(query.with_for_update() if for_update else query)

    async def _get_by_email(self, email: str) -> Agent | None:
        return await self._load(select(AgentRow).where(AgentRow.email == email))

    async def _get_many(self, agent_ids: list[uuid.UUID]) -> dict[uuid.UUID, Agent]:
        if not agent_ids:
            return {}
        rows = await self._session.exec(select(AgentRow).where(col(AgentRow.id).in_(agent_ids)))
        return {row.id: _to_domain(row) for row in rows}

    async def _get_by_emails(self, emails: list[str], for_update: bool) -> list[Agent]:
        if not emails:
            return []
        # In e-mail order, so concurrent writers lock rows in one order (no deadlock).
        query = select(AgentRow).where(col(AgentRow.email).in_(emails)).order_by(AgentRow.email)
        rows = list(await self._session.exec(query.with_for_update() if for_update else query))
        for row in rows:
            self._rows[row.id] = row
        return [self._tracked.get(row.id) or _to_domain(row) for row in rows]

    async def _load(self, query) -> Agent | None:
        row = (await self._session.exec(query)).first()
        if row is None:
            return None
        self._rows[row.id] = row
        return self._tracked.get(row.id) or _to_domain(row)

    def flush_changes(self) -> None:
        """Copy tracked agents onto their rows and record their status changes."""
        for agent in self.tracked():
            _copy_to_row(agent, self._rows[agent.id])
            for event in agent.events:
                if isinstance(event, AgentStatusChanged) and id(event) not in self._recorded:
                    self._recorded.add(id(event))
                    self._session.add(AgentStatusHistoryRow(
                        agent_id=event.agent_id, previous_status=event.previous.value,
                        status=event.status.value, reason=event.reason,
                        occurred_at=event.occurred_at))


class SqlAgentSessionRepository(AgentSessionRepository):
    def __init__(self, session: AsyncSession):
        self._session = session

    def add(self, session: AgentSession) -> None:
        self._session.add(AgentSessionRow(**{
            f: getattr(session, f) for f in AgentSession.__dataclass_fields__}))

    async def get(self, session_id: uuid.UUID) -> AgentSession | None:
        row = await self._session.get(AgentSessionRow, session_id)
        if row is None:
            return None
        return AgentSession(**{f: getattr(row, f) for f in AgentSession.__dataclass_fields__})
