"""Thin resolvers for calls: voice tokens, a user's calls, live call updates, inbound rings."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator

import strawberry
from strawberry.types import Info

from domain.agents.model import Role
from domain.calls.voice import CallUpdated, IncomingCall, VoiceNotConfigured
from graphql_api.errors import ApiError, BadUserInput, Forbidden
from graphql_api.ids import uuid_id
from graphql_api.pagination import PageInfo, check_first, decode_time_cursor, encode_time_cursor
from graphql_api.resolvers.users import user_id_argument
from graphql_api.types.call_records import (
    CallConnection,
    CallEdge,
    CallType,
    CallUpdate,
    IncomingCallType,
    VoiceToken,
)

CURSOR = "c1"
WATCH_ANY = (Role.SUPERVISOR, Role.ADMIN)


class TwilioNotConfigured(ApiError):
    code = "TWILIO_NOT_CONFIGURED"


async def voice_token(info: Info) -> VoiceToken:
    principal = info.context.require_principal()
    services = info.context.services
    try:
        issued = services.voice.voice_token(principal.agent_id, services.clock())
    except VoiceNotConfigured as exc:
        raise TwilioNotConfigured(str(exc)) from exc
    return VoiceToken(token=issued.token, identity=issued.identity, expires_at=issued.expires_at)


def _cursor(row) -> str:
    return encode_time_cursor(CURSOR, row["started_at"], row["id"])


async def calls(info: Info, user_id: strawberry.ID, first: int,
                after: str | None = None) -> CallConnection:
    user = user_id_argument(user_id)
    check_first(first)
    position = decode_time_cursor(CURSOR, after, uuid.UUID) if after else None
    page = await info.context.services.call_records.user_calls(user, first, position)
    edges = [CallEdge(cursor=_cursor(r), node=CallType.from_row(r)) for r in page.rows]
    return CallConnection(total_count=page.total, edges=edges, page_info=PageInfo(
        has_next_page=page.has_next, end_cursor=edges[-1].cursor if edges else None))


async def watched_call(info: Info, call_id: strawberry.ID) -> str:
    """The call id to follow; an agent may follow only their own calls."""
    principal = info.context.require_principal()
    wanted = uuid_id(call_id, "callId")
    exists, agent_id = await info.context.services.call_records.call_agent(wanted)
    if not exists:
        raise BadUserInput(f"there is no call {call_id}", field="callId")
    if not principal.has_role(*WATCH_ANY) and agent_id != principal.agent_id:
        raise Forbidden("agents may follow only their own calls",
                        requiredRoles=[r.value for r in WATCH_ANY])
    return str(wanted)


async def call_updates(info: Info, call_id: strawberry.ID | None = None
                       ) -> AsyncGenerator[CallUpdate, None]:
    principal = info.context.require_principal()
    # CanWatchCall checked it before the subscription started; this is its normalised form.
    wanted = uuid_id(call_id, "callId") if call_id is not None else None
    mine = principal.agent_id
    async with info.context.services.events.listen(CallUpdated) as events:
        async for event in events:  # shared by every subscriber: read only
            if (event.call_id == wanted) if wanted else (event.agent_id == mine):
                yield CallUpdate.from_event(event)


async def incoming_calls(info: Info) -> AsyncGenerator[IncomingCallType, None]:
    principal = info.context.require_principal()
    everyone = principal.has_role(*WATCH_ANY)
    mine = str(principal.agent_id)
    async with info.context.services.events.listen(IncomingCall, _ringing) as events:
        async for ringing, agent_ids in events:
            if everyone or mine in agent_ids:
                yield ringing


def _ringing(event: IncomingCall) -> tuple[IncomingCallType, tuple[str, ...]]:
    """The ring as the API shows it, with whom it rings: made once per process and shared
    by every subscriber."""
    return IncomingCallType.from_event(event), event.agent_ids
