"""Root fields of keeping accounts (merged in graphql_api/schema.py)."""

from __future__ import annotations

import strawberry

from graphql_api.permissions import IsAdmin, IsStaff
from graphql_api.resolvers import accounts
from graphql_api.types.accounts import (
    AgentConnection,
    AgentResult,
    PasswordChangeResult,
    TemporaryPasswordType,
)


@strawberry.type
class AccountsQuery:
    agents: AgentConnection = strawberry.field(
        resolver=accounts.agents, permission_classes=[IsAdmin],
        description="Every account, by name (ADMIN); role and active filter it.")


@strawberry.type
class AccountsMutation:
    create_agent: AgentResult = strawberry.field(
        resolver=accounts.create_agent, permission_classes=[IsAdmin],
        description="A new account (ADMIN); a password that breaks the policy, or an e-mail "
                    "taken, gives AgentRejected with the reason.")
    update_agent: AgentResult = strawberry.field(
        resolver=accounts.update_agent, permission_classes=[IsAdmin],
        description="Changes an account (ADMIN). A new role or active: false ends the "
                    "agent's sessions and sockets at once and returns their lead.")
    reset_agent_password: TemporaryPasswordType = strawberry.field(
        resolver=accounts.reset_agent_password, permission_classes=[IsAdmin],
        description="A one-time password (ADMIN), valid 24 hours; the agent's sessions end, "
                    "and a login with it may only changePassword.")
    change_password: PasswordChangeResult = strawberry.field(
        resolver=accounts.change_password, permission_classes=[IsStaff],
        description="The caller's own password, given the current one.")
