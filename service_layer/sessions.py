"""Agent presence: heartbeats, logout, idle sessions closed on a timer, wrap-up after calls."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.agents.model import AgentStatus
from domain.agents.ports import PresenceStore, SessionsEnded
from domain.agents.presence import (
    IDLE,
    LEASE_RELEASED,
    LOGGED_OUT,
    WRAP_UP_CUT_SHORT,
    WRAP_UP_OVER,
    WRAP_UP_STARTED,
    PauseReasons,
    PresencePolicy,
)
from domain.agents.sessions import AccessChanged, AgentSession, Principal, Standing
from domain.errors import ServiceBusy
from domain.events import EventPublisher
from domain.queue.model import QueueChanged, QueueChangeKind, QueueType
from service_layer import periodic
from service_layer.schedule import Schedule, run_if_due

log = logging.getLogger(__name__)
_ALL_BUT_WRAP_UP = {s for s in AgentStatus if s is not AgentStatus.WRAP_UP}
SWEEP = "agent-presence"


@dataclass(frozen=True, slots=True)
class TickReport:
    idle_sessions: int = 0
    wrap_ups_ended: int = 0
    leads_released: int = 0


@dataclass
class Presence:
    """The one place sessions end and automatic status changes happen."""

    store: PresenceStore
    events: EventPublisher
    policy: PresencePolicy
    pause_reasons: PauseReasons
    schedule: Schedule
    clock: Callable[[], datetime]
    every: float = 5.0

    async def standing(self, principal: Principal) -> Standing:
        """The token's agent as they are now, and whether its session lives: one read.

        A token minted without a session (by the server, e.g. for an integration) has no
        session to end; one from Login lives as long as its session. Either way the agent
        must still exist and be active, and acts in their current role."""
        return await self.store.standing(principal.agent_id, principal.session_id)

    async def standings(self, principals: Iterable[Principal]
                        ) -> dict[tuple[uuid.UUID, uuid.UUID | None], Standing]:
        """standing() of many principals in one read, by (agent id, session id)."""
        return await self.store.standings({(p.agent_id, p.session_id) for p in principals})

    async def heartbeat(self, principal: Principal) -> AgentSession | None:
        """The session, now seen; None when the token carries no session."""
        if principal.session_id is None:
            return None
        return await self.store.touch(principal.session_id, principal.agent_id, self.clock())

    async def logout(self, principal: Principal) -> bool:
        """Ends the token's session; True when it was live (False: no session to end)."""
        if principal.session_id is None:
            return False
        now = self.clock()
        ended = await self.store.end_sessions(at=now, reason=LOGGED_OUT,
                                              session_id=principal.session_id)
        await self.events.publish(ended_events(ended, sessions_closed(ended, LOGGED_OUT, now),
                                               now))
        return ended.sessions > 0

    async def start_wrap_up(self, agent_id: uuid.UUID) -> None:
        """After a disposition: WRAP_UP for the configured time (from any other status).

        Never fails: the disposition it follows is recorded already, and an agent left
        AVAILABLE instead of WRAP_UP loses nothing."""
        if not self.policy.wraps_up:
            return
        try:
            await self.events.publish(await self.store.move_status(
                to=AgentStatus.WRAP_UP, reason=WRAP_UP_STARTED, at=self.clock(),
                from_statuses=_ALL_BUT_WRAP_UP, agent_id=agent_id))
        except ServiceBusy:
            log.warning("wrap-up not started for agent %s: busy", agent_id)

    async def end_wrap_up(self, agent_id: uuid.UUID) -> None:
        """At once when the agent asks for their next lead."""
        await self.events.publish(await self.store.move_status(
            to=AgentStatus.AVAILABLE, reason=WRAP_UP_CUT_SHORT, at=self.clock(),
            from_statuses={AgentStatus.WRAP_UP}, agent_id=agent_id))

    async def tick(self) -> TickReport:
        """Closes idle sessions and ends wrap-ups that ran their time (one process at once)."""
        now = self.clock()
        async with self.schedule.lock(SWEEP) as held:
            return await self._sweep(now) if held else TickReport()

    async def _sweep(self, now: datetime) -> TickReport:
        ended = await self.store.end_sessions(at=now, reason=IDLE,
                                              idle_before=self.policy.idle_cutoff(now))
        wrapped = await self.store.move_status(
            to=AgentStatus.AVAILABLE, reason=WRAP_UP_OVER, at=now,
            from_statuses={AgentStatus.WRAP_UP}, since_before=self.policy.wrap_up_cutoff(now))
        await self.events.publish([*ended_events(ended, sessions_closed(ended, IDLE, now), now),
                                   *wrapped])
        return TickReport(ended.sessions, len(wrapped), len(ended.released))

    async def run(self, stop: asyncio.Event) -> None:
        """Sweeps every ``every`` seconds across all processes (the shared mark says when)."""
        async def on_schedule() -> None:
            now = self.clock()
            await run_if_due(self.schedule, SWEEP, timedelta(seconds=self.every), now,
                             lambda: self._sweep(now))

        await periodic.every(self.every, on_schedule, stop, name="agent presence")


def sessions_closed(ended: SessionsEnded, why: str, now: datetime) -> AccessChanged | None:
    """The notice that closes the ended sessions' live sockets in every process."""
    if not ended.session_ids:
        return None
    return AccessChanged(why, tuple(ended.agent_ids), tuple(ended.session_ids), now)


def ended_events(ended: SessionsEnded, closing: AccessChanged | None,
                 now: datetime) -> list[object]:
    """What ending sessions announces: first ``closing``, for every process to close the
    live sockets at once; status changes for the wallboard; released leads for queue
    subscribers.

    A released lead keeps its queue and score, so it is published as RESCORED with both
    unchanged and the reason saying why: subscribers refresh the entry in place.
    """
    return [*([closing] if closing else []), *ended.offline, *(
        QueueChanged(QueueChangeKind.RESCORED, lead.user_id, QueueType(lead.queue_type),
                     QueueType(lead.queue_type), lead.score, f"lease released: "
                     f"{LEASE_RELEASED}", now) for lead in ended.released)]
