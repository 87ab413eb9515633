"""Rate limits where the API meets them: one-line checks for resolvers, and the budget
every GraphQL operation spends before anything of it runs."""

from __future__ import annotations

from collections.abc import AsyncIterator

from strawberry.extensions import SchemaExtension
from strawberry.types import Info

from domain.limits.rates import Refusal
from graphql_api.context import RequestContext
from graphql_api.errors import RateLimited
from service_layer.agents import LoginFailed, LoginSucceeded, LoginThrottled


def rate_limited(refusal: Refusal) -> RateLimited:
    seconds = refusal.retry_after_seconds
    return RateLimited(f"rate limit reached ({refusal.quota.rate.describe()}); nothing was "
                       f"done: try again in {seconds} s", seconds)


async def check_sms(info: Info, user_id: int) -> None:
    """Counts one SMS from the caller to the user; RATE_LIMITED (nothing sent) when over."""
    context: RequestContext = info.context
    refusal = await context.services.rate_limits.sms(context.require_principal().agent_id,
                                                     user_id)
    if refusal is not None:
        raise rate_limited(refusal)


async def check_magic_link(info: Info, user_id: int) -> None:
    """Counts one magic link from the caller to the user; RATE_LIMITED (none sent) when over."""
    context: RequestContext = info.context
    refusal = await context.services.rate_limits.magic_link(
        context.require_principal().agent_id, user_id)
    if refusal is not None:
        raise rate_limited(refusal)


def unless_throttled(result: LoginSucceeded | LoginFailed | LoginThrottled
                     ) -> LoginSucceeded | LoginFailed:
    """A login's outcome; RATE_LIMITED while its (e-mail, address) is backed off."""
    if isinstance(result, LoginThrottled):
        seconds = result.retry_after_seconds
        raise RateLimited(f"too many failed logins for this e-mail from this address: the "
                          f"password was not checked; try again in {seconds} s", seconds)
    return result


class RequestBudget(SchemaExtension):
    """Every operation, over HTTP or a websocket (a subscription's start included), spends
    one from the caller's budget: the agent's once authenticated, else the address's."""

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        if isinstance(context, RequestContext):
            refusal = await context.services.rate_limits.request(context.principal,
                                                                 context.client_ip)
            if refusal is not None:
                # Raised, not set as the result: a subscription is refused only this way.
                raise rate_limited(refusal)
        yield
