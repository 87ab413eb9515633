"""Thin resolvers of the do-not-call list (SUPERVISOR, ADMIN)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from domain.users.do_not_call import InvalidDoNotCall
from graphql_api.access import visible_users
from graphql_api.ids import int_id
from graphql_api.pagination import PageInfo, check_first, decode_cursor, encode_cursor
from graphql_api.resolvers.users import user_id_argument
from graphql_api.types.do_not_call import (
    AddDoNotCallResult,
    DoNotCallAdded,
    DoNotCallConnection,
    DoNotCallEdge,
    DoNotCallEntryType,
    DoNotCallReason,
    DoNotCallRejected,
    DoNotCallRemoved,
    RemoveDoNotCallResult,
)

CURSOR = "dnc1"


async def do_not_call(info: Info, first: int, after: str | None = None,
                      reason: DoNotCallReason | None = None) -> DoNotCallConnection:
    """Newest first."""
    check_first(first)
    (position,) = decode_cursor(CURSOR, after, (int,)) if after else (None,)
    page = await info.context.services.do_not_call.page(first=first, after=position,
                                                        reason=reason)
    await visible_users(info, [e.user_id for e in page.entries if e.user_id is not None])
    edges = [DoNotCallEdge(cursor=encode_cursor(CURSOR, e.id),
                           node=DoNotCallEntryType.from_domain(e)) for e in page.entries]
    return DoNotCallConnection(total_count=page.total, edges=edges, page_info=PageInfo(
        has_next_page=page.has_next, end_cursor=edges[-1].cursor if edges else None))


async def add_do_not_call(info: Info, reason: DoNotCallReason,
                          user_id: strawberry.ID | None = None, phone_number: str | None = None,
                          note: str | None = None) -> AddDoNotCallResult:
    """Exactly one of userId and phoneNumber."""
    try:
        entry = await info.context.services.do_not_call.add(
            user_id=user_id_argument(user_id) if user_id is not None else None,
            phone_number=phone_number, reason=reason, note=note,
            by=info.context.require_principal().agent_id)
    except InvalidDoNotCall as exc:
        return DoNotCallRejected(message=str(exc))
    return DoNotCallAdded(entry=DoNotCallEntryType.from_domain(entry))


async def remove_do_not_call(info: Info, id: strawberry.ID, note: str) -> RemoveDoNotCallResult:
    try:
        await info.context.services.do_not_call.remove(
            int_id(id, "id"), note, info.context.require_principal().agent_id)
    except InvalidDoNotCall as exc:
        return DoNotCallRejected(message=str(exc))
    return DoNotCallRemoved(id=id)
