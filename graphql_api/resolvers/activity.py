"""Subscriptions to what agents are doing."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from strawberry.types import Info

from domain.agents.model import AgentStatusChanged
from graphql_api.types.activity import AgentActivity


async def agent_activity(info: Info) -> AsyncGenerator[AgentActivity, None]:
    # Decoded once per event per process; every supervisor's subscription shares it.
    async with info.context.services.events.listen(AgentStatusChanged,
                                                   AgentActivity.from_event) as events:
        async for activity in events:
            info.context.refresh_loaders()
            yield activity
