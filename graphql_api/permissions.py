"""Role checks for fields: who may ask what."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission
from strawberry.types import Info

from domain.agents.model import Role
from domain.agents.sessions import Principal
from graphql_api.errors import Forbidden

# What a session opened with a temporary password may do: choose a password of the
# holder's own, see who it is, keep alive and leave.
WHILE_PASSWORD_CHANGE_DUE = frozenset({"changePassword", "me", "heartbeat", "logout"})


def _principal(info: Info) -> Principal:
    """The caller; Forbidden (PASSWORD_CHANGE_REQUIRED) for any root field but those above
    while their password is a temporary one."""
    principal = info.context.require_principal()
    if info.context.password_change_due and info.path.prev is None \
            and info.field_name not in WHILE_PASSWORD_CHANGE_DUE:
        raise Forbidden("this password is a temporary one: choose your own with "
                        "changePassword first", reason="PASSWORD_CHANGE_REQUIRED")
    return principal


class IsAuthenticated(BasePermission):
    """Any valid token; raises Unauthenticated with the reason otherwise."""

    message = "authentication required"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        _principal(info)
        return True


class _HasRole(BasePermission):
    roles: tuple[Role, ...] = ()

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal = _principal(info)
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
