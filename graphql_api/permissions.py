"""Role checks for fields: who may ask what."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission
from strawberry.types import Info

from domain.agents.model import Role
from graphql_api.errors import Forbidden


class IsAuthenticated(BasePermission):
    """Any valid token; raises Unauthenticated with the reason otherwise."""

    message = "authentication required"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        info.context.require_principal()
        return True


class _HasRole(BasePermission):
    roles: tuple[Role, ...] = ()

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal = info.context.require_principal()
        if not principal.has_role(*self.roles):
            allowed = ", ".join(r.value for r in self.roles)
            raise Forbidden(f"this needs one of the roles {allowed}",
                            requiredRoles=[r.value for r in self.roles])
        return True


class IsStaff(_HasRole):
    """Agents, supervisors and admins: people working the phones."""

    roles = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)


class CanReadUsers(_HasRole):
    roles = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.INTEGRATION)


class IsSupervisor(_HasRole):
    roles = (Role.SUPERVISOR, Role.ADMIN)


class IsAdmin(_HasRole):
    roles = (Role.ADMIN,)
