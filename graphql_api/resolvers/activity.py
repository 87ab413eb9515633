"""Subscriptions to what agents are doing."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from strawberry.types import Info

from graphql_api.types.activity import AgentActivity


async def agent_activity(info: Info) -> AsyncGenerator[AgentActivity, None]:
    async with info.context.services.events.listen("AgentStatusChanged") as events:
        async for payload in events:
            info.context.refresh_loaders()
            yield AgentActivity.from_payload(payload)
