"""Thin resolvers for dispositions and callbacks."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from domain.calls.disposition import InvalidDisposition
from domain.calls.outcomes import CallOutcome as DomainOutcome
from graphql_api.errors import BadUserInput
from graphql_api.ids import int_id, uuid_id
from graphql_api.resolvers.users import user_id_argument
from graphql_api.types.calls import (
    CallbackRejected,
    CallbackScheduled,
    CallbackType,
    DispositionInput,
    DispositionRecorded,
    DispositionRejected,
)

DispositionResult = Annotated[DispositionRecorded | DispositionRejected,
                              strawberry.union("DispositionResult")]
CallbackResult = Annotated[CallbackScheduled | CallbackRejected,
                           strawberry.union("CallbackResult")]


async def record_disposition(info: Info, input: DispositionInput) -> DispositionResult:
    principal = info.context.require_principal()
    services = info.context.services
    try:
        result = await services.outcomes.record(
            agent_id=principal.agent_id, lease_id=uuid_id(input.assignment_id, "assignmentId"),
            outcome=DomainOutcome(input.outcome), notes=input.notes,
            callback_at=input.callback_at, call_sid=input.call_sid, now=services.clock())
    except InvalidDisposition as exc:
        return DispositionRejected(message=str(exc))
    await services.presence.start_wrap_up(principal.agent_id)  # WRAP_UP, then AVAILABLE
    return DispositionRecorded(next_call_after=result.next_call_after,
                               queue_type=result.queue_type)


async def schedule_callback(info: Info, user_id: strawberry.ID, at: datetime,
                            note: str | None = None, personal: bool | None = None
                            ) -> CallbackResult:
    principal = info.context.require_principal()
    services = info.context.services
    try:
        row = await services.outcomes.schedule(
            user_id=user_id_argument(user_id), at=at, agent_id=principal.agent_id,
            personal=bool(personal), note=note, now=services.clock())
    except InvalidDisposition as exc:
        return CallbackRejected(message=str(exc))
    return CallbackScheduled(callback=CallbackType.from_row(row))


async def cancel_callback(info: Info, id: strawberry.ID) -> CallbackType:
    services = info.context.services
    row = await services.outcomes.cancel(callback_id=int_id(id, "id"), now=services.clock())
    if row is None:
        raise BadUserInput(f"there is no callback {id}", field="id")
    return CallbackType.from_row(row)
