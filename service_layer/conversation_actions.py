"""What the dialler does, unasked, about a confidently read text that is no opt-out.

Each action runs after the text is committed; it gives the reply to send back (None: no
reply), the magic links that reply carries (kept masked in the thread) and, when it changed
what the queues hold, why the user is requeued. What was done is kept on the text and read
back for explainScore (``recent``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from domain.access.rule import AccessRule
from domain.calls.callbacks import next_quarter
from domain.conversations.actions import (
    REMINDERS_HELD,
    SHOWN_AT_MOST,
    SHOWN_FOR,
    ActionKind,
    TakenAction,
)
from domain.conversations.answers import Topic, link_purpose, topic_of, with_link
from domain.conversations.model import Classification, Intent
from domain.conversations.normalise import normalise
from domain.conversations.ports import (
    ActionHistory,
    AnswerBook,
    CallbackTimeParser,
    ConversationEffects,
)
from domain.links.masking import CarriedLink
from domain.links.model import Channel
from domain.messaging.model import Message
from domain.messaging.ports import FollowUpStore, MessagingStore
from domain.queue.calling_window import CallingWindow
from service_layer.magic_links import LinkIssued, LinkRejected, MagicLinks

log = logging.getLogger(__name__)

WRONG_PERSON_REPLY = "Sorry to have bothered you — we won't text this number again."
ALREADY_DONE_REPLY = "Thanks — we'll check and be in touch if anything is still needed."
COMPLAINT_REPLY = ("We're sorry. Your complaint has been passed to a manager, who will "
                   "contact you.")
# Above the policy's bar for "not unsure": what is done here (a number blocked, a callback
# booked) is done without a person, so a reading little better than a coin toss is not
# acted on.
ACTS_AT = 0.8


@dataclass(frozen=True, slots=True)
class Action:
    """What was done about a text: its name, the reply (with the links it carries, whose
    tokens are never kept), and why to requeue the user."""

    name: str
    reply: str | None = None
    requeue: str | None = None
    links: tuple[CarriedLink, ...] = ()


_Act = Callable[[int, Message, str, Classification], Awaitable[Action | None]]


@dataclass
class ConversationActions:
    store: MessagingStore
    effects: ConversationEffects
    follow_ups: FollowUpStore
    times: CallbackTimeParser
    answers: AnswerBook
    window: CallingWindow
    access: AccessRule = field(default_factory=AccessRule)
    acts_at: float = ACTS_AT
    # Issues the links some answers carry (None: every answer goes plain).
    links: MagicLinks | None = field(default=None, kw_only=True)
    # Where the actions taken are read back (None: none are shown).
    history: ActionHistory | None = field(default=None, kw_only=True)
    _acts: dict[Intent, _Act] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._acts = {Intent.WRONG_PERSON: self._wrong_person,
                      Intent.CALLBACK_REQUEST: self._callback,
                      Intent.ALREADY_DONE: self._already_done,
                      Intent.COMPLAINT: self._complaint,
                      Intent.QUESTION: self._question}

    async def act(self, message: Message, body: str, reading: Classification, *,
                  blocked: bool = False) -> Action | None:
        """The action the text calls for, taken; None: nothing to do. Only a known user's
        texts are acted on; one who opted out or is on the do-not-call list only has a
        complaint heard."""
        act = self._acts.get(reading.intent)
        if (act is None or message.user_id is None or reading.confidence < self.acts_at
                or (blocked and reading.intent is not Intent.COMPLAINT)):
            return None
        return await act(message.user_id, message, body, reading)

    async def recent(self, user_id: int, now: datetime) -> list[TakenAction]:
        """The actions taken on the user's texts of the last 30 days, newest first."""
        if self.history is None:
            return []
        return await self.history.recent(user_id, now - SHOWN_FOR, SHOWN_AT_MOST)

    async def _wrong_person(self, user_id: int, message: Message, body: str,
                            reading: Classification) -> Action:
        await self.effects.block_wrong_number(user_id, message.created_at)
        return Action(ActionKind.BLOCKED_WRONG_NUMBER, WRONG_PERSON_REPLY, "sms wrong person")

    async def _callback(self, user_id: int, message: Message, body: str,
                        reading: Classification) -> Action:
        sent_at = message.created_at
        at = self.window.next_opening(self.times.parse(body, sent_at) or next_quarter(sent_at))
        agent = await self.effects.last_agent(user_id, self.access.records_since(sent_at))
        await self.effects.book_callback(user_id, at, agent, sent_at)
        return Action(ActionKind.CALLBACK_BOOKED, callback_reply(at, self.window.timezone),
                      "callback scheduled")

    async def _already_done(self, user_id: int, message: Message, body: str,
                            reading: Classification) -> Action:
        await self.follow_ups.defer_pending(user_id, REMINDERS_HELD, message.created_at)
        return Action(ActionKind.REMINDERS_HELD, ALREADY_DONE_REPLY, "sms already done")

    async def _complaint(self, user_id: int, message: Message, body: str,
                         reading: Classification) -> Action:
        # A pending review puts it before supervisors and pauses automated texts.
        async with self.store.transaction() as tx:
            await tx.open_review(message, reading, message.created_at)
        return Action(ActionKind.COMPLAINT_REVIEW, COMPLAINT_REPLY)

    async def _question(self, user_id: int, message: Message, body: str,
                        reading: Classification) -> Action | None:
        topic = topic_of(normalise(body))
        if topic is None:
            return None
        name = f"{ActionKind.ANSWERED} {self.answers.version} {topic}"
        template = self.answers.linked(topic)
        issued = await self._link(user_id, topic) if template else None
        if template and issued:
            return Action(name, with_link(template, issued.url), links=(issued.carried,))
        answer = self.answers.answer(topic)
        return Action(name, answer) if answer else None

    async def _link(self, user_id: int, topic: Topic) -> LinkIssued | None:
        """A link of the user's own for the answer, when the topic calls for one and every
        check of issuing it passes (a refusal, e.g. the hourly limit: the plain answer)."""
        purpose = link_purpose(topic)
        if purpose is None or self.links is None:
            return None
        issued = await self.links.issue_magic_link(user_id, purpose, Channel.SMS,
                                                   deliver=False)
        if isinstance(issued, LinkRejected):
            log.info("no %s link in the answer to user %s: %s", purpose.value, user_id,
                     issued.reason.value)
            return None
        return issued


def callback_reply(at: datetime, timezone: str) -> str:
    local = at.astimezone(ZoneInfo(timezone))
    return f"Thanks — we'll call you on {local:%A} {local.day} {local:%B} at {local:%H:%M}."
