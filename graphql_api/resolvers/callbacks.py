"""Thin resolvers of the callbacks list and of handing callbacks to another agent."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from domain.calls.callbacks import Callback, CallbackPosition, InvalidReassignment
from graphql_api.access import refusal, visible_users
from graphql_api.errors import BadUserInput, Forbidden
from graphql_api.ids import int_id, uuid_id
from graphql_api.pagination import PageInfo, check_first, decode_time_cursor, encode_time_cursor
from graphql_api.types.calls import (
    CallbackConnection,
    CallbackEdge,
    CallbacksReassigned,
    CallbackStatus,
    CallbackType,
    ReassignRejected,
)
from service_layer.callbacks import InvalidCallbackQuery, NotYourCallbacks

CURSOR = "cb1"
From = Annotated[datetime | None, strawberry.argument(
    name="from", description="Due at or after (inclusive).")]
To = Annotated[datetime | None, strawberry.argument(description="Due before (exclusive).")]
ReassignResult = Annotated[CallbacksReassigned | ReassignRejected,
                           strawberry.union("ReassignResult")]


async def callbacks(info: Info, first: int, after: str | None = None,
                    agent_id: strawberry.ID | None = None, status: CallbackStatus | None = None,
                    from_: From = None, to: To = None) -> CallbackConnection:
    """By time due, then id."""
    check_first(first)
    try:
        page = await info.context.services.callbacks.page(
            info.context.require_principal(),
            agent_id=uuid_id(agent_id, "agentId") if agent_id is not None else None,
            status=status.value if status else None, start=from_, end=to, first=first,
            after=CallbackPosition(*decode_time_cursor(CURSOR, after)) if after else None)
    except NotYourCallbacks as exc:
        raise Forbidden(str(exc)) from exc
    except InvalidCallbackQuery as exc:
        raise BadUserInput(str(exc), field=exc.field) from exc
    visible = await visible_users(info, [c.user_id for c in page.callbacks])
    edges = [CallbackEdge(cursor=_cursor(c), node=CallbackType.from_domain(
        c, None if visible is None or c.user_id in visible else refusal(info, c.user_id)))
        for c in page.callbacks]
    return CallbackConnection(total_count=page.total, edges=edges, page_info=PageInfo(
        has_next_page=page.has_next, end_cursor=edges[-1].cursor if edges else None))


async def reassign_callbacks(info: Info, from_agent_id: strawberry.ID,
                             to_agent_id: strawberry.ID,
                             ids: list[strawberry.ID] | None = None) -> ReassignResult:
    """Only ``ids`` (else every pending callback of fromAgentId) go to toAgentId."""
    chosen = [int_id(i, "ids") for i in ids] if ids is not None else None
    try:
        count = await info.context.services.callbacks.reassign(
            uuid_id(from_agent_id, "fromAgentId"), uuid_id(to_agent_id, "toAgentId"), chosen)
    except InvalidReassignment as exc:
        return ReassignRejected(message=str(exc))
    return CallbacksReassigned(count=count)


def _cursor(c: Callback) -> str:
    return encode_time_cursor(CURSOR, c.scheduled_for, c.id)
