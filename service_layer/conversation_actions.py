"""What the dialler does, unasked, about a confidently read text that is no opt-out.

Each action runs after the text is committed; it gives the reply to send back (None: no
reply) and, when it changed what the queues hold, why the user is requeued.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from domain.access.rule import AccessRule
from domain.conversations.answers import topic_of
from domain.conversations.model import Classification, Intent
from domain.conversations.normalise import normalise
from domain.conversations.ports import AnswerBook, CallbackTimeParser, ConversationEffects
from domain.messaging.model import Message
from domain.messaging.ports import FollowUpStore, MessagingStore
from domain.queue.calling_window import CallingWindow

WRONG_PERSON_REPLY = "Sorry to have bothered you — we won't text this number again."
ALREADY_DONE_REPLY = "Thanks — we'll check and be in touch if anything is still needed."
COMPLAINT_REPLY = ("We're sorry. Your complaint has been passed to a manager, who will "
                   "contact you.")
# Long enough for the replica to catch up with what they say they did.
REMINDERS_HELD = timedelta(hours=24)
_QUARTER = timedelta(minutes=15)
# Above the policy's bar for "not unsure": what is done here (a number blocked, a callback
# booked) is done without a person, so a reading little better than a coin toss is not
# acted on.
ACTS_AT = 0.8


@dataclass(frozen=True, slots=True)
class Action:
    """What was done about a text: its name, the reply, and why to requeue the user."""

    name: str
    reply: str | None = None
    requeue: str | None = None


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

    async def _wrong_person(self, user_id: int, message: Message, body: str,
                            reading: Classification) -> Action:
        await self.effects.block_wrong_number(user_id, message.created_at)
        return Action("BLOCKED_WRONG_NUMBER", WRONG_PERSON_REPLY, "sms wrong person")

    async def _callback(self, user_id: int, message: Message, body: str,
                        reading: Classification) -> Action:
        sent_at = message.created_at
        at = self.window.next_opening(self.times.parse(body, sent_at) or _next_quarter(sent_at))
        agent = await self.effects.last_agent(user_id, self.access.records_since(sent_at))
        await self.effects.book_callback(user_id, at, agent, sent_at)
        return Action("CALLBACK_BOOKED", callback_reply(at, self.window.timezone),
                      "callback scheduled")

    async def _already_done(self, user_id: int, message: Message, body: str,
                            reading: Classification) -> Action:
        await self.follow_ups.defer_pending(user_id, REMINDERS_HELD, message.created_at)
        return Action("REMINDERS_HELD", ALREADY_DONE_REPLY, "sms already done")

    async def _complaint(self, user_id: int, message: Message, body: str,
                         reading: Classification) -> Action:
        # A pending review puts it before supervisors and pauses automated texts.
        async with self.store.transaction() as tx:
            await tx.open_review(message, reading, message.created_at)
        return Action("COMPLAINT_REVIEW", COMPLAINT_REPLY)

    async def _question(self, user_id: int, message: Message, body: str,
                        reading: Classification) -> Action | None:
        topic = topic_of(normalise(body))
        answer = self.answers.answer(topic) if topic else None
        return Action(f"ANSWERED {self.answers.version} {topic}", answer) if answer else None


def callback_reply(at: datetime, timezone: str) -> str:
    local = at.astimezone(ZoneInfo(timezone))
    return f"Thanks — we'll call you on {local:%A} {local.day} {local:%B} at {local:%H:%M}."


def _next_quarter(at: datetime) -> datetime:
    """No time named: as soon as we can, on a quarter hour."""
    past = timedelta(minutes=at.minute % 15, seconds=at.second, microseconds=at.microsecond)
    return at - past + _QUARTER
