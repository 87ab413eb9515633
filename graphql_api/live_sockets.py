"""This process's open websockets, closed when their agent's access changes.

A socket is closed, with a close code its client can act on, when:

- its token's session ends (logout, idle), its agent is disabled or gone, or its token
  expires: **4401** and a reason such as ``session ended: logged out``. Log in again
  (graphql-ws clients treat 4401 as final and do not retry);
- its agent's role changes: **4403** ``role changed``. The same token still works, now in
  the new role: reconnect (graphql-ws clients retry 4403).

Two paths bring the close within about a second, whatever fails. Whoever ends a session
or changes an agent publishes ``AccessChanged``, which every process acts on at once
(no read). Beside it each process sweeps its own sockets every
``LIVE_SOCKET_SWEEP_SECONDS``: token expiry is checked locally, everything else in ONE
batched read of all their sessions and agents, so a notice lost with Redis down costs at
most one sweep. With no socket open, nothing runs.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from domain.agents.presence import DISABLED, IDLE, LOGGED_OUT, PASSWORD_RESET, ROLE_CHANGED
from domain.agents.sessions import (
    AGENT_DISABLED,
    AGENT_GONE,
    SESSION_ENDED,
    TOKEN_EXPIRED,
    AccessChanged,
    Principal,
)
from domain.errors import ServiceBusy
from infrastructure.logging import get_logger

if TYPE_CHECKING:
    from infrastructure.bootstrap import Services

log = get_logger(__name__)
UNAUTHORIZED = 4401
# Why a socket closes: (close code, reason sent with it; at most 123 bytes).
CLOSE_FOR: dict[str, tuple[int, str]] = {
    LOGGED_OUT: (UNAUTHORIZED, "session ended: logged out"),
    IDLE: (UNAUTHORIZED, "session ended: idle"),
    SESSION_ENDED: (UNAUTHORIZED, "session ended"),
    DISABLED: (UNAUTHORIZED, "agent disabled"),
    AGENT_DISABLED: (UNAUTHORIZED, "agent disabled"),
    AGENT_GONE: (UNAUTHORIZED, "agent gone"),
    TOKEN_EXPIRED: (UNAUTHORIZED, "token expired"),
    ROLE_CHANGED: (UNAUTHORIZED, "session ended: role changed"),
    PASSWORD_RESET: (UNAUTHORIZED, "session ended: password reset"),
}


def close_for(why: str) -> tuple[int, str]:
    return CLOSE_FOR.get(why, (UNAUTHORIZED, "access ended"))


class LiveSocket(Protocol):
    """An accepted websocket as the registry sees it."""

    # Who it acts as, with the role current when it connected (a change closes it).
    principal: Principal

    async def end(self, code: int, reason: str) -> None:
        """Stops its operations and closes it; never raises."""


def wall_clock() -> datetime:
    """Token expiry is the JWT library's wall-clock time, whatever the services' clock."""
    return datetime.now(UTC)


class LiveSockets:
    """Open sockets by agent; the notice listener and the sweep run while any is open."""

    def __init__(self, clock: Callable[[], datetime] = wall_clock) -> None:
        self._clock = clock
        self._by_agent: dict[uuid.UUID, set[LiveSocket]] = {}
        self._services: Services | None = None
        self._listener: asyncio.Task | None = None
        self._sweeper: asyncio.Task | None = None
        self._closing: set[asyncio.Task] = set()
        self._listening: asyncio.Task | None = None  # the listener once its channel is open

    def __len__(self) -> int:
        return sum(len(group) for group in self._by_agent.values())

    def of(self, agent_id: uuid.UUID) -> int:
        """How many of this agent's sockets are open here."""
        return len(self._by_agent.get(agent_id, ()))

    @property
    def listening(self) -> bool:
        """True while notices are being received (this process's channel is open)."""
        return self._listener is not None and self._listening is self._listener

    def open(self, socket: LiveSocket, services: Services) -> None:
        self._by_agent.setdefault(socket.principal.agent_id, set()).add(socket)
        self._services = services
        self._ensure_watching(services)

    def closed(self, socket: LiveSocket) -> None:
        """The socket is gone (however it went)."""
        group = self._by_agent.get(socket.principal.agent_id)
        if group is None:
            return
        group.discard(socket)
        if not group:
            del self._by_agent[socket.principal.agent_id]
        if not self._by_agent and self._listener is not None:
            self._listener.cancel()  # it only waits for notices: safe to stop anywhere
            self._listener = None

    def close(self, socket: LiveSocket, why: str) -> None:
        """Takes the socket out at once and closes it in the background."""
        self.closed(socket)
        code, reason = close_for(why)
        task = asyncio.get_running_loop().create_task(socket.end(code, reason))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    def on_access_changed(self, change: AccessChanged) -> int:
        """Closes the sockets the change touches; how many."""
        touched = [socket for agent_id in change.agent_ids
                   for socket in self._by_agent.get(agent_id, ())
                   if change.touches(agent_id, socket.principal.session_id)]
        for socket in touched:
            self.close(socket, change.why)
        return len(touched)

    async def sweep(self) -> int:
        """Closes the sockets whose token expired (no read), then, in one read of every
        other socket's session and agent, those refused now or whose role changed."""
        now, checked, closed = self._clock(), [], 0
        for socket in [s for group in self._by_agent.values() for s in group]:
            if socket.principal.expired(now):
                self.close(socket, TOKEN_EXPIRED)
                closed += 1
            else:
                checked.append(socket)
        if not checked or self._services is None:
            return closed
        standings = await self._services.presence.standings(s.principal for s in checked)
        for socket in checked:
            principal = socket.principal
            standing = standings.get((principal.agent_id, principal.session_id))
            if standing is None or socket not in self._by_agent.get(principal.agent_id, ()):
                continue  # closed while the read ran
            why = standing.refusal() or (ROLE_CHANGED if standing.role is not principal.role
                                         else None)
            if why is not None:
                self.close(socket, why)
                closed += 1
        return closed

    def _ensure_watching(self, services: Services) -> None:
        loop = asyncio.get_running_loop()
        if self._listener is None or self._listener.done():
            self._listener = loop.create_task(self._listen(services))
        if self._sweeper is None or self._sweeper.done():
            every = services.settings.live_socket_sweep_seconds
            self._sweeper = loop.create_task(self._sweep_every(every))

    async def _listen(self, services: Services) -> None:
        async with services.events.listen(AccessChanged) as changes:
            self._listening = asyncio.current_task()
            async for change in changes:
                self.on_access_changed(change)

    async def _sweep_every(self, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            if not self._by_agent:
                return  # no await since the check: a socket opened now starts a new sweeper
            try:
                await self.sweep()
            except ServiceBusy as exc:  # nothing closed this time; the next sweep may
                log.warning("live-socket sweep skipped: busy", error=str(exc))
            except Exception:  # noqa: BLE001 - a sweep that failed is tried again next time
                log.warning("live-socket sweep failed; trying again", exc_info=True)
