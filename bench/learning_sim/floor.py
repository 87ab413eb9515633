"""The call-centre floor: agents, the worker's timers and the customers' own doings, all
interleaved on one simulated clock.

Each actor is an async generator that yields the next moment it wants to act at; the floor
keeps them in a heap by that moment, sets the shared clock to it and lets the actor do
what it does then (its service calls all see that moment). Customers' later doings (a
signature hours after a call, a reply to a text) are plain data events in the same heap,
so the floor's state at a quiet moment (every agent off shift) can be copied.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import uuid
from collections import Counter, deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bench.learning_sim import draws
from bench.learning_sim.behaviour import CallPlan, callback_time, conversion_delay, plan_call
from bench.learning_sim.calendar import Day, Shift, at, local
from bench.learning_sim.dialler import Dialler
from bench.learning_sim.hidden import AgentSkill, day_factor
from bench.learning_sim.population import Population
from domain.calls.disposition import InvalidDisposition
from domain.calls.outcomes import NOT_REACHED, CallOutcome
from domain.queue.leads import Lease
from domain.queue.model import QueueType

PREP = 8  # seconds from taking a lead to dialling (reading the context)
DISPOSE = 12  # seconds from hanging up to recording the outcome
WRAP = 30  # the dialler's WRAP_UP before asking for the next lead
IDLE = timedelta(minutes=3)  # an agent with no lead tries again after this
CALLBACK_GONE = timedelta(minutes=20)  # past its personal grace, a due callback nobody can
# take is no longer in the queue (converted, opted out)
BATCH_WINDOW = timedelta(seconds=20)  # actors due this close together act concurrently
BATCH_MAX = 12  # at most this many at once (each holds up to two pool connections)
TIMER_EVERY = timedelta(minutes=5)
TEXTS_EVERY = timedelta(minutes=15)
REPLIES = ("Thanks", "ok thanks", "Got it, thank you", "Will do",
           "Thanks, will have a look tonight", "ok")


@dataclass
class Agent:
    index: int
    id: uuid.UUID
    skill: AgentSkill
    shift: Shift
    queues: tuple[QueueType, ...]  # asked in this order: callbacks first


@dataclass
class UserState:
    calls: int = 0
    recent: deque = field(default_factory=deque)  # start times within the last day
    converted: bool = False
    texts: int = 0


@dataclass(frozen=True, slots=True)
class Attempt:
    """One call an agent made, as the simulator saw it."""

    day: int
    agent: int
    user_id: int
    queue: str
    start: datetime
    answered: bool
    outcome: str
    contact: bool  # reached: the outcome is not one of NOT_REACHED
    talk: int
    converts: bool
    probability: float


@dataclass(frozen=True, slots=True)
class Later:
    """Something a customer does on their own later: ``kind`` convert or reply."""

    kind: str
    user_id: int
    nth: int = 0


@dataclass
class FloorLog:
    attempts: list[Attempt] = field(default_factory=list)
    idle_asks: int = 0
    refused: Counter = field(default_factory=Counter)
    conversions: int = 0  # conversions the dialler recorded from our CDC records
    texts_sent: int = 0
    replies: int = 0
    agent_hours: dict[int, float] = field(default_factory=dict)  # by day number


@dataclass
class Floor:
    seed: int
    population: Population
    dialler: Dialler
    agents: list[Agent]
    users: dict[int, UserState] = field(default_factory=dict)
    log: FloorLog = field(default_factory=FloorLog)
    pending: list = field(default_factory=list)  # heap of (moment, seq, Later)
    callbacks: dict[int, datetime] = field(default_factory=dict)  # booked, not yet called
    _seq: itertools.count = field(default_factory=itertools.count)

    def __post_init__(self):
        self.by_phone = {e164: u for u, e164 in self.population.phones.items()}
        self.users = self.users or {u: UserState() for u in self.population.people}

    def later(self, moment: datetime, event: Later) -> None:
        heapq.heappush(self.pending, (moment, next(self._seq), event))

    async def run(self, days: list[Day], until: datetime) -> None:
        """Every actor over ``days``, and customers' doings due by ``until``.

        Actors due within BATCH_WINDOW of the earliest act together (at most BATCH_MAX),
        each at its own moment, as people on a floor do: their service calls overlap."""
        actors: list = [self._agent_life(agent, days) for agent in self.agents]
        actors += [self._timers(days), self._texts(days)]
        for day in days:
            self.log.agent_hours[day.number] = sum(a.shift.worked(day) for a in self.agents)
        heap: list = []
        for pushed in await asyncio.gather(*(self._step(None, a) for a in actors)):
            self._push(heap, pushed)
        while heap or (self.pending and self.pending[0][0] <= until):
            batch = self._batch(heap, until)
            self.dialler.clock.now = batch[0][0]
            for pushed in await asyncio.gather(*(self._step(m, item) for m, item in batch)):
                self._push(heap, pushed)

    def _batch(self, heap: list, until: datetime) -> list[tuple[datetime, object]]:
        """The earliest actors and customers' doings, those within the window of the first."""
        due = [p for p in (heap[0][0] if heap else None,
                           self.pending[0][0] if self.pending and self.pending[0][0] <= until
                           else None) if p is not None]
        horizon = min(due) + BATCH_WINDOW
        batch = []
        while len(batch) < BATCH_MAX:
            take_heap = heap and heap[0][0] < horizon
            take_pending = self.pending and self.pending[0][0] < horizon \
                and self.pending[0][0] <= until
            if not (take_heap or take_pending):
                break
            source = heap if take_heap and (not take_pending or heap[0][0] <= self.pending[0][0]) \
                else self.pending
            moment, _, item = heapq.heappop(source)
            batch.append((moment, item))
        return batch

    def _push(self, heap: list, pushed: tuple | None) -> None:
        if pushed is not None:
            heapq.heappush(heap, (pushed[0], next(self._seq), pushed[1]))

    async def _step(self, moment: datetime | None, item) -> tuple | None:
        """One actor's work at ``moment`` (in a task of its own, on its own moment) up to its
        next moment, or a customer's doing; (next moment, actor), None when done."""
        if moment is not None:
            self.dialler.clock.enter(moment)
        if isinstance(item, Later):
            await self._customer(item)
            return None
        try:
            return await item.__anext__(), item
        except StopAsyncIteration:
            return None

    # --- agents -------------------------------------------------------------------------

    async def _agent_life(self, agent: Agent, days: list[Day]) -> AsyncIterator[datetime]:
        for day in days:
            for start, end in agent.shift.blocks(day):
                now = start
                yield now
                while now < end:
                    async for now in self._attempt(agent, day):
                        yield now

    async def _attempt(self, agent: Agent, day: Day) -> AsyncIterator[datetime]:
        """One lead: ask, dial, ring, talk, record the outcome, wrap up. Yields each moment
        the agent next acts at; the last one is when they ask for the next lead."""
        clock = self.dialler.clock
        lease = await self._lead(agent)
        if lease is None:
            self.log.idle_asks += 1
            yield clock() + IDLE
            return
        yield clock() + timedelta(seconds=PREP)
        person, state = self.population.people[lease.user_id], self.users[lease.user_id]
        start = clock()
        while state.recent and start - state.recent[0] > timedelta(days=1):
            state.recent.popleft()
        plan = plan_call(self.seed, person, state.calls, start, len(state.recent),
                         lease.queue_type is QueueType.CALLBACK, agent.skill)
        sid = self.dialler.new_sid()
        refusal = await self.dialler.dial(agent.id, lease.user_id, sid)
        if refusal:
            self.log.refused[f"{refusal} ({lease.queue_type.value})"] += 1
            await self._dispose(agent, lease, CallOutcome.FAILED, None, None)
            yield clock() + timedelta(seconds=WRAP)
            return
        state.calls += 1
        state.recent.append(start)
        async for moment in self._ring_and_talk(sid, plan):
            yield moment
        yield clock() + timedelta(seconds=DISPOSE)
        callback = callback_time(self.seed, person, state.calls, clock(),
                                 self.dialler.services.settings.calling_window) \
            if plan.outcome is CallOutcome.CALLBACK_REQUESTED else None
        await self._dispose(agent, lease, plan.outcome, sid, callback)
        if callback is not None:
            self.callbacks[lease.user_id] = callback
        self._note(day, agent, lease, start, plan, state)
        yield clock() + timedelta(seconds=WRAP)

    async def _lead(self, agent: Agent) -> Lease | None:
        """Callbacks first (when the CALLBACK queue shows one due, as the agent's screen
        does), then the agent's queues in order."""
        now = self.dialler.clock()
        for queue in agent.queues:
            if queue is QueueType.CALLBACK and not any(due <= now for due in
                                                       self.callbacks.values()):
                continue
            found = await self.dialler.lead(agent.id, queue)
            if isinstance(found, Lease):
                if queue is QueueType.CALLBACK:
                    self.callbacks.pop(found.user_id, None)
                return found
            if queue is QueueType.CALLBACK:  # none callable: those long due are gone
                for user_id in [u for u, due in self.callbacks.items()
                                if due < now - CALLBACK_GONE]:
                    del self.callbacks[user_id]
        return None

    async def _ring_and_talk(self, sid: str, plan: CallPlan) -> AsyncIterator[datetime]:
        """Twilio's status callbacks for the dialled leg, each at its moment."""
        clock = self.dialler.clock
        yield clock() + timedelta(seconds=plan.ring)
        if plan.outcome is CallOutcome.BUSY:
            await self.dialler.status(sid, "busy")
            return
        if plan.talk == 0:
            await self.dialler.status(sid, "no-answer")
            return
        await self.dialler.status(sid, "in-progress")  # a person, or the voicemail
        yield clock() + timedelta(seconds=plan.talk)
        await self.dialler.status(sid, "completed", plan.talk)

    async def _dispose(self, agent: Agent, lease: Lease, outcome: CallOutcome,
                       sid: str | None, callback: datetime | None) -> None:
        try:
            await self.dialler.dispose(agent.id, lease, outcome, sid, callback)
        except InvalidDisposition as exc:
            self.log.refused[f"disposition refused: {exc}"] += 1

    def _note(self, day: Day, agent: Agent, lease: Lease, start: datetime, plan: CallPlan,
              state: UserState) -> None:
        self.log.attempts.append(Attempt(
            day.number, agent.index, lease.user_id, lease.queue_type.value, start,
            plan.answered, plan.outcome.value, plan.outcome not in NOT_REACHED, plan.talk,
            plan.converts, plan.probability))
        if plan.converts and not state.converted:
            state.converted = True
            delay = conversion_delay(self.seed, lease.user_id, state.calls)
            self.later(self.dialler.clock() + delay, Later("convert", lease.user_id))

    # --- the worker and the customers ---------------------------------------------------

    async def _timers(self, days: list[Day]) -> AsyncIterator[datetime]:
        """The worker's queue timers through each calling day (callbacks, rescoring)."""
        for day in days:
            if not day.calling:
                continue
            now, end = at(day.date, 7, 55), at(day.date, 20, 5)
            while now <= end:
                yield now
                await self.dialler.tick()
                now += TIMER_EVERY

    async def _texts(self, days: list[Day]) -> AsyncIterator[datetime]:
        """The worker's SMS job in SMS hours; each text sent may get a reply."""
        for day in days:
            if not day.calling:
                continue
            now, end = at(day.date, 9), at(day.date, 20)
            while now < end:
                yield now
                for to, _ in await self.dialler.send_follow_ups():
                    self._texted(to)
                now += TEXTS_EVERY

    def _texted(self, to: str) -> None:
        self.log.texts_sent += 1
        user_id = self.by_phone.get(to)
        if user_id is None:
            return
        person, state = self.population.people[user_id], self.users[user_id]
        state.texts += 1
        now = self.dialler.clock()
        if day_factor(self.seed, person, local(now).date()) == 0 or \
                draws.uniform(self.seed, "reply", user_id, state.texts) >= person.text_reply:
            return
        delay = timedelta(minutes=25) * draws.lognormal(self.seed, 0.8, "reply-in", user_id,
                                                        state.texts)
        self.later(now + delay, Later("reply", user_id, state.texts))

    async def _customer(self, event: Later) -> None:
        if event.kind == "reply":
            self.log.replies += 1
            body = REPLIES[int(draws.uniform(self.seed, "body", event.user_id, event.nth)
                               * len(REPLIES))]
            await self.dialler.text_in(self.population.phones[event.user_id], body)
            return
        requirement = self.population.requirement_of.get(event.user_id)
        if requirement is None:
            self.log.conversions += await self.dialler.sign(event.user_id)
        else:
            claim_id, requirement_id = requirement
            self.log.conversions += await self.dialler.complete(requirement_id, claim_id)
