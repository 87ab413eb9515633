"""Root fields of the floor's booked callbacks (merged in graphql_api/schema.py)."""

from __future__ import annotations

import strawberry

from graphql_api.permissions import IsStaff, IsSupervisor
from graphql_api.resolvers import callbacks
from graphql_api.types.calls import CallbackConnection


@strawberry.type
class CallbacksQuery:
    callbacks: CallbackConnection = strawberry.field(
        resolver=callbacks.callbacks, permission_classes=[IsStaff],
        description="Booked callbacks by time due: an AGENT's own; a SUPERVISOR's or "
                    "ADMIN's anyone's (agentId), or everyone's.")


@strawberry.type
class CallbacksMutation:
    reassign_callbacks: callbacks.ReassignResult = strawberry.field(
        resolver=callbacks.reassign_callbacks, permission_classes=[IsSupervisor],
        description="Hands an agent's pending callbacks (or only ids) to another active "
                    "agent who works the CALLBACK queue; the queue follows at once.")
