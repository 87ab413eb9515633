"""Strawberry's two websocket protocols, with their sockets watched (graphql_api.live_sockets).

A socket joins the process's registry once its connection is acknowledged. Each operation
(graphql-transport-ws ``subscribe``, graphql-ws ``start``) first checks the token's
session and agent as they are now, in one read, like every HTTP request: a refused token
or a changed role closes the socket instead of running the operation.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler

from domain.agents.presence import ROLE_CHANGED
from domain.agents.sessions import SESSION_ENDED, Principal

if TYPE_CHECKING:
    from graphql_api.context import RequestContext
    from graphql_api.live_sockets import LiveSockets


class _Watched:
    """What both protocols share: registered once acknowledged, ended on demand."""

    context: RequestContext
    connection_acknowledged: bool
    principal: Principal | None = None
    _ending = False

    @property
    def _registry(self) -> LiveSockets:
        return self.view.live_sockets  # type: ignore[attr-defined] - DiallerGraphQLRouter's

    def _watch(self) -> None:
        principal = self.context.principal
        if self.connection_acknowledged and self.principal is None and principal is not None:
            self.principal = principal
            self._registry.open(self, self.context.services)

    def _unwatch(self) -> None:
        if self.principal is not None:
            self._registry.closed(self)

    async def _still_allowed(self) -> bool:
        """Before an operation: the token's standing now; False (closing) when refused."""
        if self.principal is None:  # not acknowledged: the protocol refuses it itself
            return True
        await self.context.check_session()
        now = self.context.principal
        if now is None:
            why = self.context.refused_because or SESSION_ENDED
        else:
            why = ROLE_CHANGED if now.role is not self.principal.role else None
        if self._ending:  # closed while the read ran
            return False
        if why is not None:
            self._registry.close(self, why)
        return why is None

    async def end(self, code: int, reason: str) -> None:
        """Stops the operations, then closes: nothing is sent after the close frame."""
        if self._ending:
            return
        self._ending = True
        with contextlib.suppress(Exception):
            await self._stop_operations()
        with contextlib.suppress(Exception):  # the client may have gone already
            await self.websocket.close(code=code, reason=reason)  # type: ignore[attr-defined]

    async def _stop_operations(self) -> None:
        raise NotImplementedError

    # The protocol's own entry points, wrapped alike (this class comes first in the MRO).
    async def handle(self) -> None:
        try:
            await super().handle()  # type: ignore[misc]
        finally:
            self._unwatch()

    async def handle_message(self, message) -> None:
        if not self._ending:
            await super().handle_message(message)  # type: ignore[misc]

    async def handle_connection_init(self, message) -> None:
        await super().handle_connection_init(message)  # type: ignore[misc]
        self._watch()


class WatchedTransportWS(_Watched, BaseGraphQLTransportWSHandler):
    """graphql-transport-ws, watched."""

    async def handle_subscribe(self, message) -> None:
        if await self._still_allowed():
            await super().handle_subscribe(message)

    async def _stop_operations(self) -> None:
        await self.shutdown()


class WatchedLegacyWS(_Watched, BaseGraphQLWSHandler):
    """The legacy graphql-ws protocol, watched."""

    async def handle_start(self, message) -> None:
        if await self._still_allowed():
            await super().handle_start(message)

    async def _stop_operations(self) -> None:
        if self.keep_alive_task is not None:
            self.keep_alive_task.cancel()
            with contextlib.suppress(BaseException):
                await self.keep_alive_task
        await self.cleanup()
