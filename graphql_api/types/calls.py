"""GraphQL types for what happens after a call: dispositions and callbacks."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry
from strawberry.types import Info

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
    note: str | None
    _agent_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="The agent who booked it.")
    async def agent(self, info: Info) -> AgentType | None:
        return await load_agent(info, self._agent_id)

    @classmethod
    def from_row(cls, row: dict) -> CallbackType:
        return cls(id=strawberry.ID(str(row["id"])), user_id=strawberry.ID(str(row["user_id"])),
                   scheduled_for=row["scheduled_for"], status=row["status"],
                   personal=row["personal"], note=row["note"], _agent_id=row["agent_id"])


@strawberry.type
class CallbackScheduled:
    callback: CallbackType


@strawberry.type
class CallbackRejected:
    message: str
