"""Root fields of the do-not-call list (merged in graphql_api/schema.py)."""

from __future__ import annotations

import strawberry

from graphql_api.permissions import IsSupervisor
from graphql_api.resolvers import do_not_call
from graphql_api.types.do_not_call import (
    AddDoNotCallResult,
    DoNotCallConnection,
    RemoveDoNotCallResult,
)


@strawberry.type
class DoNotCallQuery:
    do_not_call: DoNotCallConnection = strawberry.field(
        resolver=do_not_call.do_not_call, permission_classes=[IsSupervisor],
        description="The entries on the do-not-call list, newest first (SUPERVISOR, ADMIN).")


@strawberry.type
class DoNotCallMutation:
    add_do_not_call: AddDoNotCallResult = strawberry.field(
        resolver=do_not_call.add_do_not_call, permission_classes=[IsSupervisor],
        description="A user, or a number (any written form; it blocks every user who has "
                    "it, now and later), on the list; the queues follow at once.")
    remove_do_not_call: RemoveDoNotCallResult = strawberry.field(
        resolver=do_not_call.remove_do_not_call, permission_classes=[IsSupervisor],
        description="Takes an entry off the list, with a note saying why; refused for an "
                    "SMS opt-out (only the customer's START lifts it).")
