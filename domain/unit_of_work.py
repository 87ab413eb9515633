"""The unit of work: one transaction, rolled back unless committed, collecting events."""

from __future__ import annotations

import abc
from collections.abc import Iterator

from domain.agents.ports import AgentRepository, AgentSessionRepository
from domain.scoring.ports import CallScoreRepository


class UnitOfWork(abc.ABC):
    agents: AgentRepository
    agent_sessions: AgentSessionRepository
    call_scores: CallScoreRepository

    async def __aenter__(self) -> UnitOfWork:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.rollback()

    async def commit(self) -> None:
        await self._commit()

    def collect_new_events(self) -> Iterator[object]:
        """Events raised by the aggregates this unit of work touched, each once."""
        for agent in self.agents.tracked():
            while agent.events:
                yield agent.events.pop(0)

    @abc.abstractmethod
    async def _commit(self) -> None: ...

    @abc.abstractmethod
    async def rollback(self) -> None: ...
