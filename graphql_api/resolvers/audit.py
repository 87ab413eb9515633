"""The thin resolver of auditLog (SUPERVISOR and ADMIN)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from domain.audit.model import AuditEntry, AuditPosition, InvalidAuditQuery
from graphql_api.errors import BadUserInput
from graphql_api.ids import uuid_id
from graphql_api.pagination import PageInfo, check_first, decode_time_cursor, encode_time_cursor
from graphql_api.resolvers.users import user_id_argument
from graphql_api.types.audit import AuditConnection, AuditEdge, AuditRecordType

CURSOR = "audit1"
From = Annotated[datetime, strawberry.argument(name="from", description="Inclusive.")]
To = Annotated[datetime, strawberry.argument(description="Exclusive.")]


async def audit_log(info: Info, from_: From, to: To, first: int,
                    user_id: strawberry.ID | None = None, agent_id: strawberry.ID | None = None,
                    after: str | None = None) -> AuditConnection:
    """Newest first."""
    check_first(first)
    try:
        page = await info.context.services.audit_log.page(
            user_id=user_id_argument(user_id) if user_id is not None else None,
            agent_id=uuid_id(agent_id, "agentId") if agent_id is not None else None,
            start=from_, end=to, first=first, after=_position(after) if after else None)
    except InvalidAuditQuery as exc:
        raise BadUserInput(str(exc), field=exc.field) from exc
    edges = [AuditEdge(cursor=_cursor(e), node=AuditRecordType.from_domain(e))
             for e in page.entries]
    return AuditConnection(edges=edges, page_info=PageInfo(
        has_next_page=page.has_next, end_cursor=edges[-1].cursor if edges else None))


def _cursor(entry: AuditEntry) -> str:
    return encode_time_cursor(CURSOR, entry.record.at, entry.id)


def _position(after: str) -> AuditPosition:
    return AuditPosition(*decode_time_cursor(CURSOR, after))
