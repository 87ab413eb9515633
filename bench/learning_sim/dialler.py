"""The dialler as the simulated floor uses it: its real service-layer objects, called as the
GraphQL resolvers and Twilio webhooks call them, on the simulated clock.

Twilio is faked only at its boundary: the browser's call arrives as the TwiML webhook's use
case (``place_call``), Twilio's status callbacks as ``apply_status``, inbound texts as
``received``; texts the dialler sends land in the record-only gateway, read from there.
Conversions reach the dialler as the main application's change would: the replica row is
written and the CDC record DMS would send is applied by the worker's own ChangeApplier.
"""

from __future__ import annotations

import functools
import itertools
import json
import time
import uuid
from collections import Counter
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from domain.calls.outcomes import CallOutcome
from domain.calls.voice import agent_identity
from domain.queue.leads import Lease, NoLead
from domain.queue.model import QueueType
from infrastructure.bootstrap import Services
from infrastructure.replica.database import ReplicaDatabase
from service_layer.cdc import Incoming
from service_layer.leads import next_lead


class Clock:
    """The simulated clock every service reads: the floor's moment, or within an actor's
    task the moment that actor acts at (agents act concurrently, each at its own moment)."""

    def __init__(self, now: datetime):
        self.now = now
        self._moment: ContextVar[datetime | None] = ContextVar(f"moment-{id(self)}",
                                                               default=None)

    def __call__(self) -> datetime:
        moment = self._moment.get()
        return self.now if moment is None else moment

    def enter(self, moment: datetime) -> None:
        """The current task's moment from now on (other tasks keep theirs)."""
        self._moment.set(moment)


def timed(method):
    """Counts the call and the wall time spent in it, under the method's name."""
    @functools.wraps(method)
    async def wrapper(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return await method(self, *args, **kwargs)
        finally:
            self.calls[method.__name__] += 1
            self.seconds[method.__name__] += time.perf_counter() - started
    return wrapper


def _mysql_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class Dialler:
    services: Services
    clock: Clock
    replica: ReplicaDatabase  # a writer: the main application's side
    schema: str
    calls: Counter = field(default_factory=Counter)  # service calls made, by kind
    seconds: Counter = field(default_factory=Counter)  # wall time spent in them
    sids: itertools.count = field(default_factory=itertools.count)

    @timed
    async def lead(self, agent_id: uuid.UUID, queue: QueueType) -> Lease | NoLead:
        """nextLead, as the resolver calls it."""
        s = self.services
        return await next_lead(s.agent_profiles, s.leases, s.settings.calling_window,
                               s.presence.end_wrap_up, agent_id=agent_id, queue_type=queue,
                               now=self.clock(),
                               length=timedelta(minutes=s.settings.lease_minutes))

    def new_sid(self) -> str:
        return f"CA{next(self.sids):032x}"

    @timed
    async def dial(self, agent_id: uuid.UUID, user_id: int, sid: str) -> str | None:
        """The agent's browser calls the user (the TwiML webhook's use case); the refusal, if
        the dialler refused to dial."""
        voice = self.services.voice
        async with voice.units() as calls:
            plan = await voice.place_call(calls, call_sid=sid,
                                          caller=f"client:{agent_identity(agent_id)}",
                                          user_id=str(user_id), now=self.clock())
        await voice.finish(plan)
        return plan.refusal

    @timed
    async def status(self, sid: str, status: str, duration: int | None = None) -> None:
        """One of Twilio's status callbacks for the dialled leg."""
        voice = self.services.voice
        async with voice.units() as calls:
            applied = await voice.apply_status(
                calls, call_sid=sid.replace("CA", "CB", 1), parent_sid=sid, status=status,
                at=self.clock(), duration=None if duration is None else str(duration),
                to=None)
        await voice.finish(applied)

    @timed
    async def dispose(self, agent_id: uuid.UUID, lease: Lease, outcome: CallOutcome,
                      sid: str | None, callback_at: datetime | None) -> None:
        """recordDisposition, as the resolver calls it (then WRAP_UP)."""
        s = self.services
        await s.outcomes.record(agent_id=agent_id, lease_id=lease.id, outcome=outcome,
                                notes=None, callback_at=callback_at, call_sid=sid,
                                now=self.clock())
        await s.presence.start_wrap_up(agent_id)

    @timed
    async def tick(self) -> None:
        """The worker's queue timers: callbacks falling due, time-driven rescoring."""
        await self.services.timers.tick()

    @timed
    async def send_follow_ups(self) -> list[tuple[str, str]]:
        """The worker's SMS job; the (to, body) of every text it handed to 'Twilio'."""
        await self.services.sms.follow_ups.send_due(self.clock())
        recorded = self.services.twilio.recorded
        sent = [(r["to"], r["body"]) for r in recorded if r["action"] == "sms"]
        recorded.clear()
        return sent

    @timed
    async def text_in(self, e164: str, body: str) -> None:
        """An inbound text, as Twilio's webhook delivers it."""
        caller = self.services.settings.twilio_caller_id or "+441615550100"
        await self.services.sms.sms.received(from_number=e164, to_number=caller, body=body,
                                             sid=f"SM{uuid.uuid4().hex}")

    @timed
    async def sign(self, user_id: int) -> int:
        """The user signs in the main application; the CDC record of it is applied.
        Returns the conversions the dialler recorded."""
        at = self.clock()
        signature = 10_000_000 + user_id
        await self.replica.execute(
            "UPDATE users SET current_signature_file_id = %s, updated_at = %s WHERE id = %s",
            (signature, _mysql_time(at), user_id))
        return await self._apply("users", user_id, {"id": user_id,
                                                    "current_signature_file_id": signature},
                                 {"id": user_id, "current_signature_file_id": None}, at)

    @timed
    async def complete(self, requirement_id: str, claim_id: int) -> int:
        """The user sends the document; its requirement is COMPLETED (and CDC applied)."""
        at = self.clock()
        await self.replica.execute(
            "UPDATE claim_requirements SET status = 'COMPLETED', updated_at = %s WHERE id = %s",
            (_mysql_time(at), requirement_id))
        return await self._apply("claim_requirements", requirement_id,
                                 {"id": requirement_id, "claim_id": claim_id,
                                  "status": "COMPLETED"},
                                 {"id": requirement_id, "status": "PENDING"}, at)

    async def _apply(self, table: str, key: object, data: dict, before: dict,
                     at: datetime) -> int:
        data = {**data, "updated_at": _mysql_time(at)}
        stamp = at.astimezone(UTC).isoformat().replace("+00:00", "Z")
        body = json.dumps({"data": data, "before-image": before, "metadata": {
            "timestamp": stamp, "record-type": "data", "operation": "update",
            "partition-key-type": "primary-key",
            "partition-key-value": f"{self.schema}.{table}.{key}",
            "schema-name": self.schema, "table-name": table, "commit-timestamp": stamp}})
        message = f"m-{table}-{key}"
        outcome = await self.services.changes.apply([Incoming(message, message, body)])
        return outcome.conversions
