"""GraphQL types of phone calls: the call list, live call updates, voice tokens, inbound rings."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry
from strawberry.types import Info

from domain.calls.outcomes import CallOutcome as DomainOutcome
from domain.calls.recordings import recording_path
from domain.calls.status import CallStatus as DomainCallStatus
from domain.calls.voice import CallDirection as DomainDirection
from domain.calls.voice import CallUpdated, IncomingCall
from graphql_api.pagination import PageInfo
from graphql_api.types.agents import AgentType, load_agent
from graphql_api.types.enums import CallOutcome

CallStatus = strawberry.enum(DomainCallStatus, name="CallStatus",
                             description="Where a call is, as Twilio reports it.")
CallDirection = strawberry.enum(DomainDirection, name="CallDirection")


@strawberry.type
class VoiceToken:
    token: str = strawberry.field(description="A Twilio access token with a VoiceGrant.")
    identity: str = strawberry.field(description="The Twilio Client identity it is for.")
    expires_at: datetime


@strawberry.type(name="Call")
class CallType:
    id: strawberry.ID
    direction: CallDirection
    status: CallStatus
    outcome: CallOutcome | None = strawberry.field(
        description="The disposition the agent recorded for this call, if any.")
    user_id: strawberry.ID | None = strawberry.field(
        description="Null for an inbound call from an unknown number.")
    from_number: str | None
    to_number: str | None
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    talk_seconds: int
    recording_url: str | None = strawberry.field(
        description="GET it with the token (/recordings/{id}; ranges for seeking); null "
                    "until recorded, and again once retention deleted the recording.")
    _agent_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="The agent on the call (for an inbound call: who answered).")
    async def agent(self, info: Info) -> AgentType | None:
        return await load_agent(info, self._agent_id)

    @classmethod
    def from_row(cls, row) -> CallType:
        return cls(
            id=strawberry.ID(str(row["id"])), direction=DomainDirection(row["direction"]),
            status=DomainCallStatus(row["status"]),
            outcome=_outcome(row["outcome"]),
            user_id=strawberry.ID(str(row["user_id"])) if row["user_id"] is not None else None,
            from_number=row["from_number"], to_number=row["to_number"],
            started_at=row["started_at"], answered_at=row["answered_at"],
            ended_at=row["ended_at"], talk_seconds=row["talk_seconds"],
            recording_url=recording_path(row["id"]) if row["recording_url"] else None,
            _agent_id=row["agent_id"])


@strawberry.type
class CallEdge:
    cursor: str
    node: CallType


@strawberry.type
class CallConnection:
    total_count: int
    page_info: PageInfo
    edges: list[CallEdge]


@strawberry.type
class CallUpdate:
    """A call's new status, talk time or recording, pushed as it happens."""

    id: strawberry.ID
    direction: CallDirection
    status: CallStatus
    talk_seconds: int
    recording_url: str | None
    user_id: strawberry.ID | None
    agent_id: strawberry.ID | None
    occurred_at: datetime

    @classmethod
    def from_event(cls, event: CallUpdated) -> CallUpdate:
        return cls(id=strawberry.ID(str(event.call_id)), direction=event.direction,
                   status=event.status, talk_seconds=event.talk_seconds,
                   recording_url=recording_path(event.call_id) if event.recording_url
                   else None, user_id=_id(event.user_id),
                   agent_id=_id(event.agent_id), occurred_at=event.occurred_at)


@strawberry.type(name="IncomingCall")
class IncomingCallType:
    """A caller ringing agents now: load the user's context while it rings."""

    call_id: strawberry.ID
    user_id: strawberry.ID | None = strawberry.field(description="Null: an unknown number.")
    from_number: str | None = strawberry.field(description="Masked: the last digits only.")
    occurred_at: datetime

    @classmethod
    def from_event(cls, event: IncomingCall) -> IncomingCallType:
        return cls(call_id=strawberry.ID(str(event.call_id)), user_id=_id(event.user_id),
                   from_number=event.from_number, occurred_at=event.occurred_at)


def _id(value) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value is not None else None


def _outcome(value: str | None) -> DomainOutcome | None:
    try:
        return DomainOutcome(value) if value else None
    except ValueError:
        return None
