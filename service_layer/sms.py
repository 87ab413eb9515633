"""SMS use cases: send (committed before Twilio is called), retry, status reports, inbound.

A body is kept with its link tokens masked (domain.links.masking): Twilio gets the real
text from memory on the first hand-off; a retry renews each link the kept text names
(revoking the old one) and sends the text with the successors' tokens.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from domain.conversations.model import Classification, Intent, Source
from domain.conversations.policy import OptOutPolicy, Verdict
from domain.events import EventPublisher
from domain.links.masking import CarriedLink, masked_links, stored_form, with_tokens
from domain.messaging.model import (
    MAX_BODY,
    Message,
    SmsEvent,
    SmsEventKind,
    SmsRejection,
    SmsStatus,
    check_body,
    from_twilio,
    retry_at,
)
from domain.messaging.opt_out import START_REPLY, STOP_REPLY
from domain.messaging.ports import (
    LinkRenewal,
    MessagingStore,
    MessagingTransaction,
    SmsGateway,
    TwilioSendFailed,
)
from domain.queue.calling_window import CallingWindow
from domain.queue.facts import ReplicaFacts
from domain.queue.model import MovementCause
from domain.queue.ports import Keys, ReplicaFactsSource
from domain.text import NUL
from domain.users.phone import to_e164
from service_layer.conversation_actions import Action, ConversationActions
from service_layer.understanding import Understanding

log = logging.getLogger(__name__)

# A hand-off older than this never finished (the process died while Twilio was called).
INTERRUPTED_AFTER = timedelta(minutes=5)
# Stands for the reading of a text the classifier failed on (it is reviewed).
UNREAD = Classification(Intent.OTHER, 0.0, Source.CLASSIFIER)
# Why the user's queues are recomputed (as the keywords have always named it).
_REQUEUE_AS = {Verdict.OPT_OUT: "sms stop", Verdict.OPT_IN: "sms start"}
_CAUSED_BY = {"sms stop": MovementCause.OPTED_OUT}
class Responder(Protocol):
    """Acts on an inbound text once it is committed; None: did nothing about it."""

    async def act(self, message: Message, body: str, reading: Classification, *,
                  blocked: bool = False) -> Action | None: ...


# Written in the transaction that queues the message, so the two commit together.
OnQueued = Callable[[MessagingTransaction, Message], Awaitable[None]]


@dataclass
class SmsService:
    store: MessagingStore
    gateway: SmsGateway
    replica: ReplicaFactsSource
    recompute: Callable[[list[int], str, MovementCause | None], Awaitable[object]]
    events: EventPublisher
    clock: Callable[[], datetime]
    sms_hours: CallingWindow
    status_callback: Callable[[int], str | None]
    max_attempts: int = 5
    links: LinkRenewal | None = None  # renews the links of a message sent again
    understanding: Understanding = field(kw_only=True)  # what an inbound text means
    policy: OptOutPolicy = field(default_factory=OptOutPolicy, kw_only=True)
    # What a confident reading that is no opt-out leads to (None: nothing yet).
    actions: ConversationActions | None = field(default=None, kw_only=True)
    # A person taking over an automated agent's conversation it cannot handle.
    handoffs: Responder | None = field(default=None, kw_only=True)

    async def send(self, user_id: int, body: str, *, agent_id: uuid.UUID | None = None,
                   automated: bool = False, follow_up_id: int | None = None,
                   facts: ReplicaFacts | None = None,
                   on_queued: OnQueued | None = None,
                   links: Sequence[CarriedLink] = (),
                   retries: bool = True) -> Message | SmsRejection:
        """Queues and hands over one message; InvalidSms for a bad body (nothing stored).

        ``links`` are the magic links the body carries: kept as ``[link <id>]``.
        ``retries``: a failed hand-off is tried again later (else it stays FAILED)."""
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
                       SmsRejection.UNDIALABLE if state.e164 is None else
                       # A person is in the loop of an agent's text: only automation waits.
                       SmsRejection.UNDER_REVIEW if automated and state.under_review
                       else None)
            if refusal:
                return refusal
            message = await tx.queue_outbound(user_id=user_id, to=state.e164,
                                              body=stored_form(text, links),
                                              agent_id=agent_id, automated=automated,
                                              follow_up_id=follow_up_id, now=now)
            if on_queued:
                await on_queued(tx, message)
        await self._publish(SmsEventKind.STATUS_CHANGED, message)
        return await self.deliver(message.id, text, retries=retries) or message

    async def deliver(self, message_id: int, text: str | None = None, *,
                      retries: bool = True) -> Message | None:
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
            again = retry_at(row["attempts"], now, exc.retryable and retries,
                             self.max_attempts)
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
        """Stores, threads and reads an inbound SMS, and acts on what it says: an opt-out
        or START at once, a possible opt-out before a person, any other confident reading
        through the conversation actions once the text is committed, and in an automated
        agent's conversation, what they did not act on, to a person (``handoffs``). The
        reply to send back (the first STOP, a START, an action's), if any. Once per
        ``receipt``, like status_reported."""
        e164, now = to_e164(from_number) or from_number, self.clock()
        body = body.replace(NUL, "\ufffd")  # PostgreSQL text cannot hold it; keep the rest
        # Before the transaction opens (CPU, and an operator's LLM for at most its timeout);
        # an SMS is at most MAX_BODY long, so a longer body is read no further than that.
        reading, verdict = await self._read(body[:MAX_BODY])
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
            if reading is not UNREAD:
                await tx.note_intent(message.id, reading)
            if verdict is Verdict.OPT_OUT:
                first = await tx.opt_out(e164, user_id, _keyword(body), now)
                reply = STOP_REPLY if first else None
            elif verdict is Verdict.OPT_IN:
                reply = START_REPLY if await tx.opt_in(e164, user_id, now) else None
            elif verdict is Verdict.REVIEW:
                await tx.open_review(message, reading, now)
            blocked = self._responds(verdict) and user_id is not None and (
                await tx.is_blocked(user_id))
            if reply:  # Twilio sends it from our TwiML answer; kept so the thread is whole
                answer = await tx.store_reply(user_id=user_id, to=e164, body=reply, now=now)
        acted = None
        for responder in self._responders(reading, verdict):
            acted, answer = await self._act(responder, message, e164, body, reading, blocked)
            reply = acted.reply if acted else None
            if acted:
                break
        requeue = _REQUEUE_AS.get(verdict) or (acted.requeue if acted else None)
        if requeue and user_id is not None:
            await self._requeue(user_id, requeue)
        await self._publish(SmsEventKind.RECEIVED, message)
        if answer:
            await self._publish(SmsEventKind.STATUS_CHANGED, answer)
        return reply

    def _responds(self, verdict: Verdict) -> bool:
        """Only a text that no opt-out rule claimed is answered beyond the keywords."""
        return verdict is Verdict.NONE and (self.actions or self.handoffs) is not None

    def _responders(self, reading: Classification, verdict: Verdict) -> list[Responder]:
        """Who may act on the text, in turn until one does: the conversation actions on a
        confident reading, then (in an automated agent's conversation) a person."""
        if not self._responds(verdict):
            return []
        sure = self.actions is not None and reading.confidence >= self.policy.unsure_below
        return [r for r in (self.actions if sure else None, self.handoffs) if r is not None]

    async def _act(self, actions: Responder, message: Message, e164: str,
                   body: str, reading: Classification, blocked: bool
                   ) -> tuple[Action | None, Message | None]:
        """The action taken and its reply, kept in the thread; a failure is logged and
        answered with nothing (the text itself is committed)."""
        try:
            acted = await actions.act(message, body, reading, blocked=blocked)
            if acted is None:
                return None, None
            async with self.store.transaction() as tx:
                await tx.note_action(message.id, acted.name)  # seen in the conversation
                if acted.reply is None:
                    return acted, None
                # Twilio gets the reply with its links; the thread keeps them masked.
                return acted, await tx.store_reply(
                    user_id=message.user_id, to=e164,
                    body=stored_form(acted.reply, acted.links), now=self.clock())
        except Exception:  # noqa: BLE001 - Twilio must still get its answer
            log.exception("acting on inbound text %s failed; nobody was answered", message.id)
            return None, None

    async def _read(self, body: str) -> tuple[Classification, Verdict]:
        """What the text means and what to do; a text we could not read goes to a person."""
        try:
            reading = await self.understanding.read_async(body)
        except Exception:  # noqa: BLE001 - the text is still kept, and Twilio answered
            log.exception("an inbound text could not be read; a person will")
            return UNREAD, Verdict.REVIEW
        return reading, self.policy.decide(reading)

    async def confirm_opt_out(self, user_id: int | None, e164: str) -> Message:
        """The one STOP confirmation for an opt-out a person decided: sent by us (there is no
        TwiML answer to carry it), although they opted out, as the STOP reply is."""
        async with self.store.transaction() as tx:
            message = await tx.queue_outbound(user_id=user_id, to=e164, body=STOP_REPLY,
                                              agent_id=None, automated=True,
                                              follow_up_id=None, now=self.clock())
        if user_id is not None:
            await self._requeue(user_id, _REQUEUE_AS[Verdict.OPT_OUT])
        await self._publish(SmsEventKind.STATUS_CHANGED, message)
        return await self.deliver(message.id, STOP_REPLY) or message

    async def _requeue(self, user_id: int, reason: str) -> None:
        """Opted-out users leave the queues at once (do_not_call); START brings them back.
        Committed and owed already: a failure here is swept up by the queue timers."""
        try:
            await self.recompute([user_id], reason, _CAUSED_BY.get(reason))
        except Exception:  # noqa: BLE001 - Twilio must still get its answer
            log.warning("queue update after an SMS %s deferred to the sweep (user %s)",
                        reason, user_id, exc_info=True)

    async def conversation(self, user_id: int, first: int,
                           before: tuple[datetime, int] | None
                           ) -> tuple[list[Message], bool, int]:
        return await self.store.conversation(user_id, first, before)

    async def _publish(self, kind: SmsEventKind, message: Message) -> None:
        watchers = await self.store.watchers(message.user_id) if message.user_id else ()
        await self.events.publish([SmsEvent.of(kind, message, watchers)])


def _keyword(body: str) -> str:
    """What the opt-out is kept as: the text itself, short (sms_opt_outs.keyword)."""
    return " ".join(body.split()).upper()[:16] or "STOP"
