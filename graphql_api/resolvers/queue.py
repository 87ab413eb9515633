"""Thin resolvers for the queues: pages, sizes, live updates, lead assignment."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import timedelta
from typing import Annotated

import strawberry
from graphql.pyutils import gather_with_cancel
from strawberry.types import Info

from domain.queue.leads import NoLead
from domain.queue.model import QueueChanged
from domain.queue.model import QueueType as DomainQueueType
from graphql_api.access import Refused, grant, refusal, visible_users
from graphql_api.pagination import PageInfo, check_first, decode_cursor, encode_cursor
from graphql_api.selection import selected_paths
from graphql_api.types.queue import (
    AssignmentType,
    LeadAssigned,
    NoLeadAvailable,
    QueueConnection,
    QueueEdge,
    QueueEntryType,
    QueueStatsType,
    QueueType,
    QueueUpdate,
)
from graphql_api.types.users import UserType, page_claim_details
from service_layer.leads import next_lead as next_lead_use_case

CURSOR = "q1"
NextLeadResult = Annotated[LeadAssigned | NoLeadAvailable, strawberry.union("NextLeadResult")]


async def queue(info: Info, type: QueueType, first: int,
                after: str | None = None) -> QueueConnection:
    check_first(first)
    position = decode_cursor(CURSOR, after, (float, int)) if after else None
    page = await info.context.services.queue_pages.page(DomainQueueType(type), first, position)
    users = await _page_users(info, [e.user_id for _, e in page.entries])
    edges = [QueueEdge(cursor=encode_cursor(CURSOR, e.score, e.user_id),
                       node=QueueEntryType.from_domain(p, e, users.get(e.user_id)))
             for p, e in page.entries]
    return QueueConnection(total_count=page.total, edges=edges, page_info=PageInfo(
        has_next_page=page.has_next, end_cursor=edges[-1].cursor if edges else None))


async def _page_users(info: Info, user_ids: list[int]) -> dict[int, UserType | Refused]:
    """The page's users with the claims and rows the query asks for, loaded in batches
    up front so nothing below the page needs an awaitable per object. A user the asker
    may not see is the refusal, never loaded."""
    wanted = selected_paths(info)
    if "edges.node.user" not in wanted or not user_ids:
        return {}
    visible = await visible_users(info, user_ids)
    refused: dict[int, UserType | Refused] = {}
    if visible is not None:
        refused = {u: refusal(info, u) for u in user_ids if u not in visible}
        user_ids = [u for u in user_ids if u in visible]
    if not user_ids:
        return refused
    # The users and their claims are read at once: claims of a user the replica no longer
    # has are none, and only found users are answered.
    users, claims = await gather_with_cancel(
        info.context.loaders.user.many(user_ids),
        page_claim_details(info, user_ids, "edges.node.user.claims.requirements" in wanted,
                           "edges.node.user.claims.vehiclePackages" in wanted)
        if "edges.node.user.claims" in wanted else _no_claims(len(user_ids)))
    return refused | {u.id: UserType.from_domain(u, claims=c)
                      for u, c in zip(users, claims, strict=True) if u is not None}


async def _no_claims(count: int) -> list[None]:
    return [None] * count


async def queue_stats(info: Info) -> list[QueueStatsType]:
    services = info.context.services
    sizes = await services.queue_pages.sizes(services.clock())
    return [QueueStatsType(queue_type=s.queue_type, size=s.size, callable_now=s.callable_now)
            for s in sizes]


def _queue_update(event: QueueChanged) -> QueueUpdate:
    """One QueueChanged as the API shows it: made once per process, shared by every
    subscriber (the bus calls it once per event), so never changed after."""
    return QueueUpdate(
        kind=event.kind.value, user_id=strawberry.ID(str(event.user_id)),
        from_queue=_value(event.from_queue), to_queue=_value(event.to_queue),
        score=event.score, reason=event.reason, occurred_at=event.occurred_at)


def _value(queue: DomainQueueType | None) -> str | None:
    return queue.value if queue is not None else None


async def queue_updates(info: Info, type: QueueType | None = None
                        ) -> AsyncGenerator[QueueUpdate, None]:
    wanted = DomainQueueType(type).value if type else None
    async with info.context.services.events.listen(QueueChanged, _queue_update) as events:
        async for update in events:
            if wanted and wanted not in (update.from_queue, update.to_queue):
                continue
            info.context.refresh_loaders()  # the socket's context outlives each event
            yield update


async def next_lead(info: Info, type: QueueType) -> NextLeadResult:
    principal = info.context.require_principal()
    services = info.context.services
    result = await next_lead_use_case(
        info.context.agents, services.leases, services.settings.calling_window,
        services.presence.end_wrap_up,
        agent_id=principal.agent_id, queue_type=DomainQueueType(type), now=services.clock(),
        length=timedelta(minutes=services.settings.lease_minutes))
    if isinstance(result, NoLead):
        return NoLeadAvailable(reason=result.reason)
    grant(info, result.user_id)
    return LeadAssigned(assignment=AssignmentType.from_domain(result))
