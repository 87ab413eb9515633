"""SMS use cases: send (committed before Twilio is called), retry, status reports, inbound.

A body is kept with its link tokens masked (domain.links.masking): Twilio gets the real
text from memory on the first hand-off; a retry renews each link the kept text names
(revoking the old one) and sends the text with the successors' tokens.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.events import EventPublisher
from domain.links.masking import CarriedLink, masked_links, stored_form, with_tokens
from domain.messaging.model import (
    Message,
    SmsEvent,
    SmsEventKind,
    SmsRejection,
    SmsStatus,
    check_body,
    from_twilio,
    retry_at,
)
from domain.messaging.opt_out import START_REPLY, STOP_REPLY, Keyword, keyword_of
from domain.messaging.ports import (
    LinkRenewal,
    MessagingStore,
    MessagingTransaction,
    SmsGateway,
    TwilioSendFailed,
)
from domain.queue.calling_window import CallingWindow
from domain.queue.facts import ReplicaFacts
from domain.queue.ports import Keys, ReplicaFactsSource
from domain.users.phone import to_e164

log = logging.getLogger(__name__)

# A hand-off older than this never finished (the process died while Twilio was called).
INTERRUPTED_AFTER = timedelta(minutes=5)
# Written in the transaction that queues the message, so the two commit together.
OnQueued = Callable[[MessagingTransaction, Message], Awaitable[None]]


@dataclass
class SmsService:
    store: MessagingStore
    gateway: SmsGateway
    replica: ReplicaFactsSource
    recompute: Callable[[list[int], str], Awaitable[object]]
    events: EventPublisher
    clock: Callable[[], datetime]
    sms_hours: CallingWindow
    status_callback: Callable[[int], str | None]
    max_attempts: int = 5
    links: LinkRenewal | None = None  # renews the links of a message sent again

    async def send(self, user_id: int, body: str, *, agent_id: uuid.UUID | None = None,
                   automated: bool = False, follow_up_id: int | None = None,
                   facts: ReplicaFacts | None = None,
                   on_queued: OnQueued | None = None,
                   links: Sequence[CarriedLink] = ()) -> Message | SmsRejection:
        """Queues and hands over one message; InvalidSms for a bad body (nothing stored).

        ``links`` are the magic links the body carries: kept as ``[link <id>]``."""
        text, now = check_body(body), self.clock()
        facts = facts or (await self.replica.for_keys(Keys(ids=[user_id]))).get(user_id)
        if facts is None:
            return SmsRejection.UNKNOWN_USER
        if automated and not self.sms_hours.is_open(now):
            return SmsRejection.OUTSIDE_SMS_HOURS
        async with self.store.transaction() as tx:
            state = await tx.contact_state(user_id, facts.phone_raw)
            refusal = (SmsRejection.OPTED_OUT if state.opted_out else
                       SmsRejection.DO_NOT_CALL if state.do_not_call else
                       SmsRejection.UNDIALABLE if state.e164 is None else None)
            if refusal:
                return refusal
            message = await tx.queue_outbound(user_id=user_id, to=state.e164,
                                              body=stored_form(text, links),
                                              agent_id=agent_id, automated=automated,
                                              follow_up_id=follow_up_id, now=now)
            if on_queued:
                await on_queued(tx, message)
        await self._publish(SmsEventKind.STATUS_CHANGED, message)
        return await self.deliver(message.id, text) or message

    async def deliver(self, message_id: int, text: str | None = None) -> Message | None:
        """Hands a queued (or due-for-retry) message to Twilio once; None: not ours to send.

        ``text`` is the real body, known only to the call that queued it; without it the
        kept body goes, with its links renewed."""
        now = self.clock()
        async with self.store.transaction() as tx:
            row = await tx.claim_for_send(message_id, now)
            if row is None:
                return None
            # A retry goes only if they have not opted out while it waited.
            blocked = row["attempts"] > 1 and await tx.is_blocked(row["user_id"])
            if blocked:
                message = await tx.send_failed(message_id, "not retried: the recipient opted "
                                               "out or is on the do-not-call list", None, now)
        if blocked:
            await self._publish(SmsEventKind.STATUS_CHANGED, message)
            return message
        text = text if text is not None else await self._sendable(message_id, row["body"])
        if text is None:
            async with self.store.transaction() as tx:
                message = await tx.send_failed(message_id, "not retried: a link it carried "
                                               "could not be renewed", None, self.clock())
            await self._publish(SmsEventKind.STATUS_CHANGED, message)
            return message
        try:
            sent = await self.gateway.send_sms(row["to_number"], text,
                                               self.status_callback(message_id))
        except TwilioSendFailed as exc:
            again = retry_at(row["attempts"], now, exc.retryable, self.max_attempts)
            async with self.store.transaction() as tx:
                # A provider's error text may quote the body: keep it masked like the body.
                message = await tx.send_failed(message_id, stored_form(exc.reason), again,
                                               self.clock())
        else:
            async with self.store.transaction() as tx:
                message = await tx.handed_over(message_id, sent.sid,
                                               from_twilio(sent.status) or SmsStatus.QUEUED,
                                               self.clock())
        await self._publish(SmsEventKind.STATUS_CHANGED, message)
        return message

    async def _sendable(self, message_id: int, kept: str) -> str | None:
        """The kept body with fresh links in place of the masked ones (each old link is
        revoked: its token went to Twilio once, whatever became of it); None if one cannot
        be renewed. The kept body then names the successors, for a later retry."""
        old = masked_links(kept)
        if not old:
            return kept
        if self.links is None or None in old:
            return None
        renewed = {}
        for link_id in dict.fromkeys(old):
            successor = await self.links.renew(link_id)
            if successor is None:
                return None
            renewed[link_id] = successor
        text = with_tokens(kept, renewed)
        if text is not None:
            async with self.store.transaction() as tx:
                await tx.set_body(message_id, stored_form(text, renewed.values()))
        return text

    async def retry_due(self) -> int:
        """Retries failed hand-offs whose time has come; fails the ones a crash interrupted."""
        now = self.clock()
        for message in await self.store.fail_interrupted(now - INTERRUPTED_AFTER, now):
            await self._publish(SmsEventKind.STATUS_CHANGED, message)
        retried = 0
        for message_id in await self.store.due_retries(now):
            retried += await self.deliver(message_id) is not None
        return retried

    async def status_reported(self, *, message_id: int | None, sid: str | None,
                              twilio_status: str | None, error: str | None,
                              receipt: str | None = None) -> Message | None:
        """A status callback: moves the message forward only (never backwards), once per
        ``receipt`` (the webhook's key: a retry of a report applied changes nothing)."""
        status = from_twilio(twilio_status)
        if status is None:
            return None
        async with self.store.transaction() as tx:
            if receipt and not await tx.first_receipt(receipt):
                return None
            message = await tx.apply_status(message_id=message_id, sid=sid, status=status,
                                            error=error, now=self.clock())
        if message:
            await self._publish(SmsEventKind.STATUS_CHANGED, message)
        return message

    async def received(self, *, from_number: str, to_number: str, body: str,
                       sid: str | None, receipt: str | None = None) -> str | None:
        """Stores and threads an inbound SMS; the reply to send back (STOP/START), if any.
        Once per ``receipt``, like status_reported."""
        e164, keyword, now = to_e164(from_number) or from_number, keyword_of(body), self.clock()
        reply = answer = None
        async with self.store.transaction() as tx:
            if receipt and not await tx.first_receipt(receipt):
                return None
            user_id = await tx.user_by_number(e164)
            # A customer may send a link back ("this does not open"): kept masked too.
            message = await tx.store_inbound(user_id=user_id, from_number=e164,
                                             to_number=to_number, body=stored_form(body),
                                             sid=sid, now=now)
            if message is None:
                return None
            if keyword is Keyword.STOP:
                first = await tx.opt_out(e164, user_id, body.strip().upper()[:16], now)
                reply = STOP_REPLY if first else None
            elif keyword is Keyword.START:
                reply = START_REPLY if await tx.opt_in(e164, user_id, now) else None
            if reply:  # Twilio sends it from our TwiML answer; kept so the thread is whole
                answer = await tx.store_reply(user_id=user_id, to=e164, body=reply, now=now)
        if keyword and user_id is not None:
            # Opted-out users leave the queues at once (do_not_call); START brings them back.
            # Committed and owed already: a failure here is swept up by the queue timers.
            try:
                await self.recompute([user_id], f"sms {keyword.value.lower()}")
            except Exception:  # noqa: BLE001 - Twilio must still get its answer
                log.warning("queue update after an SMS %s deferred to the sweep (user %s)",
                            keyword.value, user_id, exc_info=True)
        await self._publish(SmsEventKind.RECEIVED, message)
        if answer:
            await self._publish(SmsEventKind.STATUS_CHANGED, answer)
        return reply

    async def conversation(self, user_id: int, first: int,
                           before: tuple[datetime, int] | None
                           ) -> tuple[list[Message], bool, int]:
        return await self.store.conversation(user_id, first, before)

    async def _publish(self, kind: SmsEventKind, message: Message) -> None:
        watchers = await self.store.watchers(message.user_id) if message.user_id else ()
        await self.events.publish([SmsEvent.of(kind, message, watchers)])
