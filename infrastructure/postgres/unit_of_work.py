"""The unit of work over one PostgreSQL session."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.agents.model import InvalidAgent
from domain.unit_of_work import UnitOfWork
from infrastructure.postgres.agents import SqlAgentRepository, SqlAgentSessionRepository
from infrastructure.postgres.call_scores import SqlCallScoreRepository

_AGENTS_EMAIL = "agents_email_key"  # the unique constraint on agents.email


class SqlUnitOfWork(UnitOfWork):
    def __init__(self, session_factory: async_sessionmaker[AsyncSession]):
        self._session_factory = session_factory
        self.session: AsyncSession | None = None

    async def __aenter__(self) -> SqlUnitOfWork:
        self.session = self._session_factory()
        self.agents = SqlAgentRepository(self.session)
        self.agent_sessions = SqlAgentSessionRepository(self.session)
        self.call_scores = SqlCallScoreRepository(self.session)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await super().__aexit__(*exc_info)
        await self.session.close()

    async def _commit(self) -> None:
        self.agents.flush_changes()
        try:
            await self.session.commit()
        except IntegrityError as exc:
            # Two writers both found the e-mail free: the second is told, as the first
            # check would have told it.
            if _AGENTS_EMAIL in str(exc.orig):
                raise InvalidAgent("an agent with that e-mail already exists", "email") from None
            raise

    async def rollback(self) -> None:
        await self.session.rollback()
