"""GraphQL types for what happens after a call: dispositions and callbacks."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum

import strawberry
from strawberry.types import Info

from domain.calls.callbacks import STATUSES, Callback
from graphql_api.pagination import PageInfo
from graphql_api.types.agents import AgentType, load_agent
from graphql_api.types.enums import CallOutcome
from graphql_api.types.queue import QueueType


@strawberry.input
class DispositionInput:
    assignment_id: strawberry.ID = strawberry.field(description="From nextLead.")
    outcome: CallOutcome
    notes: str | None = None
    callback_at: datetime | None = strawberry.field(
        default=None, description="Required when the outcome is CALLBACK_REQUESTED.")
    call_sid: str | None = strawberry.field(default=None, description="The Twilio call, if any.")


@strawberry.type
class DispositionRecorded:
    next_call_after: datetime | None
    queue_type: QueueType | None = strawberry.field(
        description="The user's queue now; null when they left every queue.")


@strawberry.type
class DispositionRejected:
    message: str


@strawberry.type(name="Callback")
class CallbackType:
    id: strawberry.ID
    user_id: strawberry.ID
    scheduled_for: datetime
    status: str = strawberry.field(
        description="pending, completed, cancelled or rescheduled.")
    personal: bool
    _note: strawberry.Private[str | None]
    _agent_id: strawberry.Private[uuid.UUID | None]
    # A list read by an agent who no longer works on the user: the note is refused.
    _refused: strawberry.Private[Exception | None] = None

    @strawberry.field
    def note(self) -> str | None:
        if self._refused is not None:
            raise self._refused
        return self._note

    @strawberry.field(description="The agent who booked it, or was handed it.")
    async def agent(self, info: Info) -> AgentType | None:
        return await load_agent(info, self._agent_id)

    @classmethod
    def from_row(cls, row: dict) -> CallbackType:
        return cls(id=strawberry.ID(str(row["id"])), user_id=strawberry.ID(str(row["user_id"])),
                   scheduled_for=row["scheduled_for"], status=row["status"],
                   personal=row["personal"], _note=row["note"], _agent_id=row["agent_id"])

    @classmethod
    def from_domain(cls, c: Callback, refused: Exception | None = None) -> CallbackType:
        return cls(id=strawberry.ID(str(c.id)), user_id=strawberry.ID(str(c.user_id)),
                   scheduled_for=c.scheduled_for, status=c.status, personal=c.personal,
                   _note=c.note, _agent_id=c.agent_id, _refused=refused)


CallbackStatus = strawberry.enum(
    Enum("CallbackStatus", {s.upper(): s for s in STATUSES}), name="CallbackStatus",
    description="A callback's state: the values Callback.status shows, upper-cased.")


@strawberry.type
class CallbackEdge:
    cursor: str
    node: CallbackType


@strawberry.type
class CallbackConnection:
    total_count: int = strawberry.field(description="Every callback the filters keep.")
    page_info: PageInfo
    edges: list[CallbackEdge]


@strawberry.type
class CallbacksReassigned:
    count: int = strawberry.field(description="The pending callbacks handed over.")


@strawberry.type
class ReassignRejected:
    """Nothing was reassigned."""

    message: str


@strawberry.type
class CallbackScheduled:
    callback: CallbackType


@strawberry.type
class CallbackRejected:
    message: str
