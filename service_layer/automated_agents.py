"""Automated agents at work, and a person taking over their conversations.

Each turn (one process at a time, by lock), every AVAILABLE automated agent leases users
of its share of the UNSIGNED queue through the same leases people use, and sends each a
personal first text with a signing link, within SMS hours, its hourly cap and the SMS rate
limits. Every check of a person's text applies to it too (opted out, do-not-call,
undialable, under review). A text sent rests the user; a refused one is passed over.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum

from domain.agents.model import Agent, AgentStatus
from domain.automation.policy import (
    HANDED_OVER,
    HANDOFF_REPLY,
    AutomationPolicy,
    first_text,
)
from domain.automation.ports import AutomatedWork
from domain.calls.callbacks import next_quarter
from domain.conversations.model import Classification
from domain.conversations.ports import ConversationEffects
from domain.links.model import Channel, Purpose
from domain.links.ports import UserDirectory
from domain.messaging.model import Message, SmsRejection
from domain.queue.calling_window import CallingWindow
from domain.queue.leads import Lease
from domain.queue.model import MovementCause
from service_layer import periodic
from service_layer.conversation_actions import Action
from service_layer.magic_links import LinkRejected, MagicLinks
from service_layer.rate_limits import RateLimits
from service_layer.schedule import Schedule, run_if_due
from service_layer.sms import SmsService

log = logging.getLogger(__name__)

TURN = "automated-agents"
TEXTED = "texted (automated)"  # the lease's end reason, at most 32 characters
NOT_TEXTED = "not texted (automated)"
# Held only while one text is made and handed over.
LEASE_LENGTH = timedelta(minutes=2)
_HOUR = timedelta(hours=1)


class _Outcome(Enum):
    """What became of one lease: a text, a user passed over, or the agent's limits spent
    (its turn ends there)."""

    SENT = "sent"
    PASSED_OVER = "passed over"
    LIMITED = "rate limited"


@dataclass(frozen=True, slots=True)
class TurnReport:
    agents: int = 0  # automated agents that worked
    texted: int = 0
    passed_over: int = 0  # leased, then not texted: a check refused it


@dataclass
class AutomatedAgents:
    work: AutomatedWork
    sms: SmsService
    links: MagicLinks
    users: UserDirectory
    limits: RateLimits
    recompute: Callable[[list[int], str, MovementCause | None], Awaitable[object]]
    sms_hours: CallingWindow
    schedule: Schedule
    clock: Callable[[], datetime]
    policy: AutomationPolicy = field(default_factory=AutomationPolicy)
    every: float = 20.0
    # Users a text was refused to, and until when they are passed over (this process).
    _passed_over: dict[int, datetime] = field(default_factory=dict, init=False, repr=False)

    async def tick(self) -> TurnReport | None:
        """One turn, unless another process is taking one."""
        async with self.schedule.lock(TURN) as held:
            return await self._turn() if held else None

    async def run(self, stop: asyncio.Event) -> None:
        async def on_schedule() -> None:
            await run_if_due(self.schedule, TURN, timedelta(seconds=self.every), self.clock(),
                             self._turn)

        await periodic.every(self.every, on_schedule, stop, name="automated agents")

    async def _turn(self) -> TurnReport:
        now = self.clock()
        if not self.sms_hours.is_open(now):
            return TurnReport()
        self._passed_over = {u: t for u, t in self._passed_over.items() if t > now}
        agents = [a for a in await self.work.agents() if a.status is AgentStatus.AVAILABLE]
        # Side by side: their leases keep them off each other's customers.
        done = await asyncio.gather(*(self._work(agent) for agent in agents))
        return TurnReport(len(agents), sum(sent for sent, _ in done),
                          sum(refused for _, refused in done))

    async def _work(self, agent: Agent) -> tuple[int, int]:
        """(texts sent, users passed over) by one agent in one turn."""
        now = self.clock()
        left = self.policy.texts_left(agent.texts_per_hour,
                                      await self.work.texts_since(agent.id, now - _HOUR))
        sent = refused = 0
        # Every lease ends in a text or a refusal; refusals are bounded like texts.
        while sent < left and refused < self.policy.batch:
            lease = await self.work.lease(agent.id, self.clock(), LEASE_LENGTH,
                                          self.policy.share_percent, self._passed_over)
            if lease is None:
                break
            outcome = await self._text(agent, lease)
            if outcome is _Outcome.LIMITED:
                break
            sent += outcome is _Outcome.SENT
            refused += outcome is _Outcome.PASSED_OVER
        return sent, refused

    async def _text(self, agent: Agent, lease: Lease) -> _Outcome:
        """Texts the leased user, or says why not; the lease ends either way."""
        user_id = lease.user_id
        if (await self.limits.sms(agent.id, user_id) is not None
                or await self.limits.magic_link(agent.id, user_id) is not None):
            await self._pass_over(agent, lease, "a rate limit")
            return _Outcome.LIMITED
        issued = await self.links.issue_magic_link(user_id, Purpose.SIGN, Channel.SMS,
                                                   sent_by=agent.id, deliver=False)
        if isinstance(issued, LinkRejected):
            return await self._pass_over(agent, lease, issued.message)
        user = (await self.users.users([user_id])).get(user_id)
        body = first_text(user.first_name if user else None, issued.url,
                          self.links.policy.ttl_hours)
        sent = await self.sms.send(user_id, body, agent_id=agent.id, automated=True,
                                   links=[issued.carried])
        if isinstance(sent, SmsRejection):
            await self.links.withdraw(issued.link.id)
            return await self._pass_over(agent, lease, sent.value.lower().replace("_", " "))
        await self._end(agent, lease, TEXTED, self.clock() + self.policy.rest_after_text)
        return _Outcome.SENT

    async def _pass_over(self, agent: Agent, lease: Lease, why: str) -> _Outcome:
        self._passed_over[lease.user_id] = self.clock() + self.policy.rest_after_refusal
        log.info("automated agent %s passed over user %s: %s", agent.id, lease.user_id, why)
        await self._end(agent, lease, NOT_TEXTED, None)
        return _Outcome.PASSED_OVER

    async def _end(self, agent: Agent, lease: Lease, reason: str,
                   rest_until: datetime | None) -> None:
        user_id = await self.work.end_lease(lease.id, agent.id, reason, rest_until,
                                            self.clock())
        if user_id is None:
            return
        try:
            await self.recompute([user_id], reason, MovementCause.DISPOSITION)
        except Exception:  # noqa: BLE001 - owed already: the queue timers sweep it up
            log.warning("queue update after an automated text deferred (user %s)", user_id,
                        exc_info=True)


@dataclass
class Handoffs:
    """A reply in an automated agent's conversation that it cannot handle with confidence
    goes to a person: a callback for the team (the CALLBACK queue), and a reply saying so."""

    work: AutomatedWork
    effects: ConversationEffects
    window: CallingWindow
    policy: AutomationPolicy = field(default_factory=AutomationPolicy)

    async def act(self, message: Message, body: str, reading: Classification, *,
                  blocked: bool = False) -> Action | None:
        """Called when the dialler's own actions did nothing about the text."""
        user_id = message.user_id
        if user_id is None or blocked or not self.policy.hands_over(reading, acted=False):
            return None
        since = message.created_at - self.policy.thread_window
        if await self.work.automated_sender(user_id, since) is None:
            return None
        at = self.window.next_opening(next_quarter(message.created_at))
        await self.effects.book_callback(user_id, at, None, message.created_at)
        return Action(HANDED_OVER, HANDOFF_REPLY, "callback scheduled")
