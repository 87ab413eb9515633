"""Thin resolvers for dispositions and callbacks."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from domain.access.rule import CallbackChanger
from domain.calls.disposition import InvalidDisposition, NotYourCallback
from domain.calls.outcomes import CallOutcome as DomainOutcome
from graphql_api.access import require_users
from graphql_api.errors import BadUserInput, Forbidden
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
    services = info.context.services
    try:
        row = await services.outcomes.schedule(
            user_id=user_id_argument(user_id), at=at, changer=_changer(info),
            personal=bool(personal), note=note, now=services.clock())
    except InvalidDisposition as exc:
        return CallbackRejected(message=str(exc))
    except NotYourCallback as exc:
        raise Forbidden(str(exc), callbackId=str(exc.callback_id)) from exc
    return CallbackScheduled(callback=CallbackType.from_row(row))


async def cancel_callback(info: Info, id: strawberry.ID) -> CallbackType:
    services = info.context.services
    callback_id = int_id(id, "id")
    user_id = await services.outcomes.callback_user(callback_id)
    if user_id is None:
        raise BadUserInput(f"there is no callback {id}", field="id")
    await require_users(info, [user_id])
    try:
        row = await services.outcomes.cancel(callback_id=callback_id, now=services.clock(),
                                             changer=_changer(info))
    except NotYourCallback as exc:
        raise Forbidden(str(exc), callbackId=str(exc.callback_id)) from exc
    if row is None:
        raise BadUserInput(f"there is no callback {id}", field="id")
    return CallbackType.from_row(row)


def _changer(info: Info) -> CallbackChanger:
    principal = info.context.require_principal()
    return CallbackChanger(principal.agent_id, principal.role)
