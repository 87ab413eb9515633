"""Root fields of calls and voice: merged into Query and Subscription by graphql_api.schema."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.permission import BasePermission
from strawberry.types import Info

from graphql_api.access import SeesUser
from graphql_api.permissions import IsStaff
from graphql_api.resolvers import call_records
from graphql_api.types.call_records import (
    CallConnection,
    CallUpdate,
    IncomingCallType,
    VoiceToken,
)


class CanWatchCall(BasePermission):
    """A call id must exist; agents may follow only their own calls (supervisors any)."""

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        if kwargs.get("call_id") is not None:
            await call_records.watched_call(info, kwargs["call_id"])
        return True


@strawberry.type
class CallsQuery:
    voice_token: VoiceToken = strawberry.field(
        resolver=call_records.voice_token, permission_classes=[IsStaff],
        description="A short-lived Twilio Voice SDK token for the calling agent; "
                    "TWILIO_NOT_CONFIGURED in record-only mode.")
    calls: CallConnection = strawberry.field(
        resolver=call_records.calls, permission_classes=[IsStaff, SeesUser],
        description="Calls with one user, newest first.")


@strawberry.type
class CallsSubscription:
    call_updates: CallUpdate = strawberry.subscription(
        resolver=call_records.call_updates, permission_classes=[IsStaff, CanWatchCall],
        description="One call's updates (agents: only their own), or with no callId the "
                    "caller's own calls.")
    incoming_calls: IncomingCallType = strawberry.subscription(
        resolver=call_records.incoming_calls, permission_classes=[IsStaff],
        description="Inbound calls ringing this agent (supervisors: every inbound call).")
