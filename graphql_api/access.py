"""The access rule on every path to a user's personal data.

docs/api-conventions.md, "Who may see a user", states it.

Supervisors and admins see every user; the main application's account reads contexts;
an agent sees only the users they work on, as the request's ``worked_on`` loader says
(one statement per request, whatever asks). A refused user is a FORBIDDEN error, and
nothing of them is in the answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import strawberry
from graphql import OperationType
from strawberry.permission import BasePermission
from strawberry.types import Info

from domain.access.rule import AccessRule
from domain.agents.sessions import Principal
from graphql_api.audit import record_reads
from graphql_api.errors import Forbidden
from graphql_api.resolvers.users import user_id_argument

WHY = ("agents see only the users they work on: a lead they hold, a callback they booked, "
       "a call ringing them, or a call, outcome or text with the user in the last "
       "{hours:g} hours")


class Refused(Forbidden):
    """An agent asked for a user they do not work on."""

    def __init__(self, user_id: int, rule: AccessRule):
        super().__init__(f"you do not work on user {user_id}; "
                         + WHY.format(hours=rule.work_on.total_seconds() / 3600),
                         userId=str(user_id))


def _sees_all(principal: Principal, rule: AccessRule, contexts: bool) -> bool:
    return rule.sees_everyone(principal.role) or (contexts and rule.reads_contexts(principal.role))


async def visible_users(info: Info, user_ids: Iterable[int], *,
                        contexts: bool = False) -> frozenset[int] | None:
    """Which of these users the asker may see; None: every user (no statement needed).
    A query's or subscription's reads of them go to the audit trail."""
    wanted = list(dict.fromkeys(user_ids))
    visible = await _visible(info, wanted, contexts)
    if info.operation.operation is not OperationType.MUTATION:  # mutations are audited whole
        record_reads(info, wanted if visible is None else [u for u in wanted if u in visible])
    return visible


async def _visible(info: Info, wanted: list[int], contexts: bool) -> frozenset[int] | None:
    ctx = info.context
    principal = ctx.require_principal()
    rule = ctx.services.access_rule
    if _sees_all(principal, rule, contexts):
        return None
    granted = ctx.loaders.granted
    asked = [u for u in wanted if u not in granted]
    if not asked:
        return frozenset(granted)
    works_on = await ctx.loaders.worked_on.many([(principal.agent_id, u) for u in asked])
    return frozenset(u for u, yes in zip(asked, works_on, strict=True) if yes) | granted


async def require_users(info: Info, user_ids: Iterable[int], *, contexts: bool = False) -> None:
    """FORBIDDEN unless the asker may see every one of these users."""
    wanted = list(user_ids)
    visible = await visible_users(info, wanted, contexts=contexts)
    if visible is None:
        return
    for user_id in wanted:
        if user_id not in visible:
            raise Refused(user_id, info.context.services.access_rule)


def refusal(info: Info, user_id: int) -> Refused:
    """The error that stands in for a user the asker may not see (a queue page's entry)."""
    return Refused(user_id, info.context.services.access_rule)


def grant(info: Info, user_id: int) -> None:
    """The asker just took this user's lease: they work on the user for this request, and
    the answer reads them (the mutation's own record cannot name whom it leased)."""
    info.context.loaders.granted.add(user_id)
    record_reads(info, [user_id])


def _argument_users(kwargs: dict[str, Any]) -> list[int]:
    if kwargs.get("user_id") is not None:
        return [user_id_argument(kwargs["user_id"])]
    raw: list[strawberry.ID] = kwargs.get("user_ids") or []
    return [user_id_argument(r, "userIds") for r in raw]


class SeesUser(BasePermission):
    """The field's ``userId`` (or ``userIds``) must be users the asker may see."""

    contexts = False

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        await require_users(info, _argument_users(kwargs), contexts=self.contexts)
        return True


class ReadsUserContexts(SeesUser):
    """As SeesUser; the main application's account reads any user's context too."""

    contexts = True
