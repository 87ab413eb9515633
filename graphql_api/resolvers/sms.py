"""Thin resolvers for SMS: send, read a conversation, follow conversations live."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry
from strawberry.types import Info

from domain.agents.model import Role
from domain.messaging.model import InvalidSms, SmsEvent, SmsEventKind, SmsRejection
from graphql_api import limits
from graphql_api.access import visible_users
from graphql_api.errors import BadUserInput
from graphql_api.pagination import PageInfo, check_first, decode_time_cursor, encode_time_cursor
from graphql_api.resolvers.users import user_id_argument
from graphql_api.types.messages import (
    SmsConnection,
    SmsEdge,
    SmsEventType,
    SmsMessageType,
    SmsQueued,
    SmsRejected,
)

CURSOR = "sms1"
SendSmsResult = Annotated[SmsQueued | SmsRejected, strawberry.union("SendSmsResult")]


async def send_sms(info: Info, user_id: strawberry.ID, body: str) -> SendSmsResult:
    principal = info.context.require_principal()
    await limits.check_sms(info, user_id_argument(user_id))
    sms = info.context.services.sms.sms
    try:
        result = await sms.send(user_id_argument(user_id), body, agent_id=principal.agent_id)
    except InvalidSms as exc:
        raise BadUserInput(str(exc), field=exc.field) from exc
    if isinstance(result, SmsRejection):
        return SmsRejected.of(result)
    return SmsQueued(message=SmsMessageType.from_domain(result))


async def conversation(info: Info, user_id: strawberry.ID, first: int,
                       after: str | None = None) -> SmsConnection:
    """The newest ``first`` messages before the cursor, shown oldest first."""
    check_first(first)
    user = user_id_argument(user_id)
    before = decode_time_cursor(CURSOR, after) if after else None
    messages, older, total = await info.context.services.sms.sms.conversation(user, first, before)
    edges = [SmsEdge(cursor=_cursor(m), node=SmsMessageType.from_domain(m))
             for m in reversed(messages)]
    # The page's oldest message is where the next (older) page starts.
    return SmsConnection(edges=edges, total_count=total, page_info=PageInfo(
        has_next_page=older, end_cursor=edges[0].cursor if edges else None))


async def _still_sees(info: Info, user_id: int | None) -> bool:
    """Whether an agent still works on the message's user (ties end while a socket lives)."""
    if user_id is None:
        return False
    info.context.refresh_loaders()
    return bool(await visible_users(info, [user_id]))


def _cursor(message) -> str:
    return encode_time_cursor(CURSOR, message.created_at, message.id)


async def sms_events(info: Info, user_id: strawberry.ID | None = None
                     ) -> AsyncGenerator[SmsEventType, None]:
    """One user's conversation; without a user, every conversation the caller may see:
    all for supervisors and admins, for an agent those of the users they work on."""
    wanted = user_id_argument(user_id) if user_id is not None else None
    principal = info.context.require_principal()
    only_for = str(principal.agent_id) if principal.has_role(Role.AGENT) else None
    async with info.context.services.events.listen(SmsEvent) as events:
        async for event in events:  # shared by every subscriber: read only
            if wanted is not None and event.user_id != wanted:
                continue
            if wanted is None and only_for and only_for not in event.watchers:
                continue
            if only_for and not await _still_sees(info, event.user_id):
                continue
            yield SmsEventType(kind=SmsEventKind(event.kind),
                               message=SmsMessageType.from_event(event))
