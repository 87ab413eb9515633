"""Follow-up SMS: scheduled from outcomes, re-checked just before sending, sent at most once."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.calls.events import CallbackBooked, DispositionMade
from domain.calls.outcomes import CallOutcome
from domain.links.masking import CarriedLink
from domain.links.model import Channel, Purpose
from domain.links.ports import UserDirectory
from domain.messaging import follow_ups as plan
from domain.messaging.follow_ups import FollowUpKind, Recheck, decide, link_purpose, render
from domain.messaging.model import Message, SmsRejection
from domain.messaging.ports import FollowUpStore, MessagingStore, MessagingTransaction
from domain.queue.calling_window import CallingWindow
from domain.queue.facts import ReplicaFacts
from domain.queue.ports import Keys, ReplicaFactsSource
from domain.sync.events import ConversionRecorded
from service_layer import periodic
from service_layer.magic_links import LinkIssued, MagicLinks
from service_layer.schedule import Schedule, run_if_due
from service_layer.sms import SmsService

log = logging.getLogger(__name__)
# (user id, purpose) -> the URL, and the link it carries (None: a plain address, no token)
LinkFor = Callable[[int, str], Awaitable[tuple[str, CarriedLink | None]]]
CANCELLING = {CallOutcome.WRONG_NUMBER: "WRONG_NUMBER", CallOutcome.DO_NOT_CALL: "DO_NOT_CALL",
              CallOutcome.NOT_INTERESTED: "NOT_INTERESTED"}


@dataclass
class FollowUpReport:
    sent: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    deferred: int = 0

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


@dataclass
class FollowUps:
    store: FollowUpStore
    messaging: MessagingStore
    sms: SmsService
    replica: ReplicaFactsSource
    users: UserDirectory
    sms_hours: CallingWindow
    clock: Callable[[], datetime]
    link_for: LinkFor
    review_url: str
    concurrency: int = 8

    async def after_disposition(self, user_id: int, outcome: CallOutcome,
                                callback_at: datetime | None, now: datetime) -> int:
        """Schedules what the outcome asks for; cancels pending ones it makes unwelcome."""
        if outcome in CANCELLING:
            await self.store.cancel_for_user(user_id, CANCELLING[outcome], now)
        return await self.store.schedule(plan.after_outcome(user_id, outcome, now, callback_at),
                                         now)

    async def after_callback(self, user_id: int, at: datetime, now: datetime) -> int:
        return await self.store.schedule([plan.callback_confirmation(user_id, at, now)], now)

    async def schedule_review_request(self, user_id: int, now: datetime | None = None) -> int:
        """For the CDC worker when it records a conversion; once per user."""
        now = now or self.clock()
        return await self.store.schedule([plan.review_request(user_id, now)], now)

    # The message bus's handlers: the events the calls and the CDC worker raise.
    async def on_disposition(self, event: DispositionMade) -> None:
        await self.after_disposition(event.user_id, event.outcome, event.callback_at, event.at)

    async def on_callback_booked(self, event: CallbackBooked) -> None:
        await self.after_callback(event.user_id, event.for_time, event.at)

    async def on_conversion(self, event: ConversionRecorded) -> None:
        await self.schedule_review_request(event.user_id)

    async def send_due(self, now: datetime | None = None) -> FollowUpReport:
        """Sends every due follow-up that still makes sense; each at most once."""
        now, report = now or self.clock(), FollowUpReport()
        claimed = await self.store.claim_due(now)
        if not claimed:
            return report
        ids = sorted({r["user_id"] for r in claimed})
        facts = await self.replica.for_keys(Keys(ids=ids))
        names = {u: user.first_name for u, user in (await self.users.users(ids)).items()}
        last = await self.messaging.last_conversation(ids)
        callbacks = await self.store.pending_callbacks(ids)
        # A few hand-offs at a time: Twilio answers in ~100-300 ms, one by one would crawl.
        gate = asyncio.Semaphore(self.concurrency)

        async def one(row) -> None:
            async with gate:
                try:
                    await self._one(row, facts.get(row["user_id"]), names, last, callbacks,
                                    now, report)
                except Exception:  # noqa: BLE001 - one bad follow-up must not stop the others
                    log.exception("follow-up %s failed; released again later", row["id"])

        await asyncio.gather(*(one(row) for row in claimed))
        return report

    async def _one(self, row, facts: ReplicaFacts | None, names, last, callbacks,
                   now: datetime, report: FollowUpReport) -> None:
        kind, params = FollowUpKind(row["kind"]), _params(row["params"])
        check = Recheck(
            exists=facts is not None, eligible=bool(facts and facts.eligible_user),
            signed=bool(facts and facts.signed),
            pending_requirements=facts.pending_requirements if facts else 0,
            last_conversation_at=last.get(row["user_id"]),
            callback_pending=_callback_pending(row["user_id"], params, callbacks))
        verdict = decide(kind, check, now, row["expires_at"], self.sms_hours)
        if verdict.retry_at:
            report.deferred += 1
            return await self.store.defer(row["id"], verdict.retry_at, now)
        if verdict.skip_reason:
            report.skip(verdict.skip_reason)
            return await self.store.skip(row["id"], verdict.skip_reason, now)
        body, links = await self._body(kind, row["user_id"], names.get(row["user_id"]), params,
                                       check.signed)

        async def claimed_message(tx: MessagingTransaction, message: Message) -> None:
            await tx.mark_follow_up_sent(row["id"], message.id, now)

        result = await self.sms.send(row["user_id"], body, automated=True,
                                     follow_up_id=row["id"], facts=facts,
                                     on_queued=claimed_message, links=links)
        if isinstance(result, SmsRejection):
            report.skip(result.value)
            return await self.store.skip(row["id"], result.value, now)
        report.sent += 1

    async def _body(self, kind: FollowUpKind, user_id: int, first_name: str | None,
                    params: dict, signed: bool) -> tuple[str, list[CarriedLink]]:
        """The text to send and the magic links in it (kept masked by the SMS service)."""
        values, links = dict(params), []
        template = plan.TEMPLATES[kind]
        if "{link}" in template:
            values["link"], carried = await self.link_for(user_id, link_purpose(kind, signed))
            links += [carried] if carried else []
        if "{review_url}" in template:
            values["review_url"] = self.review_url
        return render(kind, first_name, values), links


def _params(raw: object) -> dict:
    return json.loads(raw) if isinstance(raw, str) else dict(raw or {})


def _callback_pending(user_id: int, params: dict, callbacks: set) -> bool:
    if "callback_at" not in params:
        return True
    return (user_id, datetime.fromisoformat(params["callback_at"])) in callbacks


SMS_JOBS = "sms-jobs"


@dataclass
class SmsJobs:
    """Retries failed hand-offs and sends due follow-ups; one process at a time (the lock),
    every ``every`` seconds across all of them (the shared mark)."""

    sms: SmsService
    follow_ups: FollowUps
    schedule: Schedule
    every: float = 30.0

    async def tick(self) -> FollowUpReport | None:
        async with self.schedule.lock(SMS_JOBS) as held:
            return await self._send() if held else None

    async def _send(self) -> FollowUpReport:
        await self.sms.retry_due()
        return await self.follow_ups.send_due()

    async def run(self, stop: asyncio.Event) -> None:
        async def on_schedule() -> None:
            await run_if_due(self.schedule, SMS_JOBS, timedelta(seconds=self.every),
                             self.follow_ups.clock(), self._send)

        await periodic.every(self.every, on_schedule, stop, name="sms jobs")


def magic_link_provider(magic_links: MagicLinks, fallback_url: str) -> LinkFor:
    """Links through the magic-link service (it keeps its own checks and rate limit); the
    main application's address when it refuses one, so the message still makes sense."""
    async def link_for(user_id: int, purpose: str) -> tuple[str, CarriedLink | None]:
        issued = await magic_links.issue_magic_link(user_id, Purpose(purpose), Channel.SMS,
                                                    deliver=False)
        if isinstance(issued, LinkIssued):
            return issued.url, issued.carried
        return fallback_url, None

    return link_for


@dataclass
class Messaging:
    """The SMS area as the composition root wires it (services.sms)."""

    sms: SmsService
    follow_ups: FollowUps
    jobs: SmsJobs
