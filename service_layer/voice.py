"""Voice use cases: tokens, placing calls, Twilio's callbacks, inbound calls, recording retention.

Webhook use cases run inside the caller's transaction (a CallRepository bound to it) and
return what to do after commit (events to publish, users to recompute): ``finish`` does it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime

from domain.calls.ports import (
    CallRepository,
    ExpiredRecording,
    IssuedVoiceToken,
    RecordingStore,
    VoiceGateway,
)
from domain.calls.status import (
    UNANSWERED,
    CallProgress,
    CallStatus,
    InvalidCallReport,
    StatusReport,
    advance,
    from_twilio,
)
from domain.calls.voice import (
    CallDirection,
    CallRecord,
    CallUpdated,
    IncomingCall,
    VoiceNotConfigured,
    agent_from_identity,
    agent_identity,
    dial_refusal,
)
from domain.events import EventPublisher
from domain.queue.calling_window import CallingWindow
from domain.users.phone import mask, to_e164
from service_layer.queues import QueueMaintainer

log = logging.getLogger(__name__)
MISSED_CALL_NOTE = "missed inbound call"


@dataclass
class Effects:
    """What a webhook changed, to act on once its transaction has committed."""

    events: list[object] = field(default_factory=list)
    recompute: list[int] = field(default_factory=list)
    missed: bool = False  # an inbound call nobody answered: the caller hears so


@dataclass
class DialPlan(Effects):
    call: CallRecord | None = None
    refusal: str | None = None  # spoken to the agent; nothing dialled


@dataclass
class RingPlan(Effects):
    call: CallRecord | None = None
    identities: list[str] = field(default_factory=list)  # empty: nobody to ring, missed


@dataclass
class Applied(Effects):
    call: CallRecord | None = None  # None: unknown call or nothing changed


def _sid(raw: str | None, name: str = "CallSid") -> str:
    sid = (raw or "").strip()
    if not sid or len(sid) > 64:
        raise InvalidCallReport(f"{name} is missing or too long")
    return sid


def _is_id(raw: str | None) -> bool:
    text = (raw or "").strip()
    return text.isascii() and text.isdigit() and len(text) <= 18


def _duration(raw: str | None, name: str) -> int | None:
    if raw is None or raw == "":
        return None
    if not _is_id(raw):
        raise InvalidCallReport(f"{name} {raw!r} is not a number of seconds")
    return int(raw)


@dataclass
class VoiceCalls:
    gateway: VoiceGateway
    events: EventPublisher
    queues: QueueMaintainer
    window: CallingWindow
    units: Callable[[], AbstractAsyncContextManager[CallRepository]]
    recordings: RecordingStore
    token_ttl_seconds: int = 3600
    retention_months: int = 12
    ring_limit: int = 10  # Twilio rings at most 10 clients at once

    def voice_token(self, agent_id: uuid.UUID, now: datetime) -> IssuedVoiceToken:
        """Raises VoiceNotConfigured in record-only mode."""
        return self.gateway.issue_token(agent_identity(agent_id), self.token_ttl_seconds, now)

    async def place_call(self, repo: CallRepository, *, call_sid: str | None,
                         caller: str | None, user_id: str | None, now: datetime) -> DialPlan:
        """The browser's call to a user: dial them, or refuse with the reason."""
        sid = _sid(call_sid)
        agent_id = agent_from_identity(caller)
        if agent_id is None:
            return DialPlan(refusal="This call does not come from a dialler agent.")
        if not _is_id(user_id):
            return DialPlan(refusal="No customer was given for this call.")
        if not self.gateway.caller_id:
            return DialPlan(refusal="Calling is not configured: there is no caller ID.")
        facts = await repo.dial_facts(int(user_id), agent_id, now)
        refusal = dial_refusal(facts, self.window.closed_reason(now))
        if refusal:
            return DialPlan(refusal=refusal)
        call = await repo.add(CallRecord(
            id=uuid.uuid4(), twilio_sid=sid, direction=CallDirection.OUTBOUND,
            progress=CallProgress(CallStatus.QUEUED), started_at=now, user_id=int(user_id),
            agent_id=agent_id, lease_id=facts.lease_id, queue_type=facts.queue_type,
            from_number=self.gateway.caller_id, to_number=facts.e164))
        return DialPlan(call=call, events=[CallUpdated.of(call, now)])

    async def apply_status(self, repo: CallRepository, *, call_sid: str | None,
                           parent_sid: str | None, status: str | None, at: datetime,
                           duration: str | None, to: str | None) -> Applied:
        """A status callback of a dialled leg; late, repeated or backward ones change nothing.

        Only legs we dialled (they carry ParentCallSid) count: the browser's own leg is
        "in-progress" long before the customer answers, and an inbound caller's leg ends
        through the Dial action instead.
        """
        _sid(call_sid)
        report = StatusReport(from_twilio(status), at, _duration(duration, "CallDuration"))
        if not (parent_sid or "").strip():
            return Applied()
        call = await repo.for_update([_sid(parent_sid, "ParentCallSid")])
        if call is None:
            return Applied()
        answered_by = agent_from_identity(to)
        changed = False
        if call.agent_id is None and answered_by and report.status is CallStatus.IN_PROGRESS:
            call.agent_id, changed = answered_by, True  # the agent who picked up an inbound call
        progress = advance(call.progress, report)
        if progress is None and not changed:
            return Applied()
        call.progress = progress or call.progress
        await repo.save(call)
        return Applied(call=call, events=[CallUpdated.of(call, at)])

    async def apply_recording(self, repo: CallRepository, *, call_sid: str | None,
                              recording_sid: str | None, url: str | None, status: str | None,
                              at: datetime) -> Applied:
        """A finished recording's sid and URL on its call (never after retention deleted it)."""
        sid, rec_sid = _sid(call_sid), _sid(recording_sid, "RecordingSid")
        if (status or "completed").strip().lower() != "completed":
            return Applied()
        if not url or not url.startswith("https://"):
            raise InvalidCallReport("RecordingUrl is missing or not an https URL")
        call = await repo.for_update([sid])
        if call is None or call.recording_deleted_at or call.recording_sid == rec_sid:
            return Applied()
        call.recording_sid, call.recording_url = rec_sid, url
        await repo.save(call)
        return Applied(call=call, events=[CallUpdated.of(call, at)])

    async def inbound(self, repo: CallRepository, *, call_sid: str | None, caller: str | None,
                      to: str | None, now: datetime) -> RingPlan:
        """A caller rings the available agents; with none, it is missed at once."""
        sid = _sid(call_sid)
        e164 = to_e164(caller)
        user_id = await repo.user_for_number(e164) if e164 else None
        agents = await repo.available_agents(self.ring_limit)
        call = await repo.add(CallRecord(
            id=uuid.uuid4(), twilio_sid=sid, direction=CallDirection.INBOUND,
            progress=CallProgress(CallStatus.RINGING), started_at=now, user_id=user_id,
            from_number=(e164 or caller or "")[:32] or None, to_number=(to or "")[:32] or None))
        if call.progress.status is not CallStatus.RINGING:
            return RingPlan(call=call)  # a retried webhook for a call already handled
        identities = [agent_identity(a) for a in agents]
        if not identities:
            return await self._missed(repo, call, StatusReport(CallStatus.NO_ANSWER, now), now,
                                      RingPlan(call=call))
        await repo.rang(call.id, agents, now)
        ringing = IncomingCall(call.id, user_id, mask(e164 or caller), tuple(map(str, agents)),
                               now)
        return RingPlan(call=call, identities=identities,
                        events=[ringing, CallUpdated.of(call, now)])

    async def dial_result(self, repo: CallRepository, *, call_sid: str | None,
                          dial_status: str | None, duration: str | None,
                          now: datetime) -> Applied:
        """How ringing the agents ended; unanswered is a missed call (a callback due now)."""
        sid = _sid(call_sid)
        report = StatusReport(from_twilio(dial_status, "DialCallStatus"), now,
                              _duration(duration, "DialCallDuration"))
        call = await repo.for_update([sid])
        if call is None:
            return Applied()
        if report.status in UNANSWERED:
            return await self._missed(repo, call, report, now, Applied(call=call))
        progress = advance(call.progress, report)
        if progress is None:
            return Applied(call=call)
        call.progress = progress
        await repo.save(call)
        return Applied(call=call, events=[CallUpdated.of(call, now)])

    @staticmethod
    async def _missed(repo: CallRepository, call: CallRecord, report: StatusReport,
                      now: datetime, result: Effects) -> Effects:
        """Ends an unanswered inbound call; a known caller gets a callback due now."""
        progress = advance(call.progress, report)
        if progress is None:  # already ended (a retried or late result)
            return result
        call.progress = progress
        await repo.save(call)
        result.events.append(CallUpdated.of(call, now))
        result.missed = True
        if call.user_id is not None:
            await repo.schedule_callback_now(call.user_id, now, MISSED_CALL_NOTE)
            result.recompute.append(call.user_id)
        return result

    async def finish(self, effects: Effects) -> None:
        """After commit: live events out, and queue membership for users a call touched."""
        if effects.events:
            await self.events.publish(effects.events)
        if effects.recompute:
            try:
                await self.queues.recompute(effects.recompute, MISSED_CALL_NOTE)
            except Exception:  # noqa: BLE001 - the callback is stored; the queue timer and
                # reconciliation place it, and Twilio must still get its TwiML
                log.exception("missed call's queue recompute failed")

    async def purge_expired_recordings(self, now: datetime) -> PurgeReport:
        return await purge_expired_recordings(self.recordings, self.gateway,
                                              retention_months=self.retention_months, now=now)


@dataclass
class PurgeReport:
    deleted: int = 0
    skipped: int = 0  # record-only mode: what would have been deleted
    failed: int = 0


def months_before(at: datetime, months: int) -> datetime:
    """The same moment ``months`` calendar months earlier (day clamped to the month's end)."""
    index = at.year * 12 + at.month - 1 - months
    year, month = divmod(index, 12)
    day = at.day
    while True:
        try:
            return at.replace(year=year, month=month + 1, day=day)
        except ValueError:
            day -= 1


async def purge_expired_recordings(store: RecordingStore, gateway: VoiceGateway, *,
                                   retention_months: int, now: datetime,
                                   batch: int = 200) -> PurgeReport:
    """Deletes at Twilio every recording older than the retention and marks its call.

    Record-only mode (no credentials) deletes and marks nothing; it logs what it would do.
    """
    report = PurgeReport()
    cutoff = months_before(now, retention_months)
    while True:
        expired = await store.expired(cutoff, batch)
        progress = 0
        for item in expired:
            progress += await _purge_one(store, gateway, item, now, report)
        if len(expired) < batch or progress == 0:
            return report


async def _purge_one(store: RecordingStore, gateway: VoiceGateway, item: ExpiredRecording,
                     now: datetime, report: PurgeReport) -> int:
    try:
        deleted = await gateway.delete_recording(item.recording_sid)
    except VoiceNotConfigured:
        deleted = None
    except Exception:  # noqa: BLE001 - one recording's failure must not stop the rest
        log.exception("recording %s not deleted", item.recording_sid)
        report.failed += 1
        return 0
    if not deleted:
        report.skipped += 1
        return 0
    await store.mark_deleted(item.call_id, now)
    report.deleted += 1
    return 1
