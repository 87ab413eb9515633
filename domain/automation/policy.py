"""How an automated agent works the SMS channel, as rules with no I/O.

It texts a share of the UNSIGNED queue (a stable split by user id, so the same customers
stay with the texts), at most a capped number an hour, through the same leases as every
agent. A customer it has texted then rests (neither texted nor called) while they read it.
A reply it cannot act on with confidence goes to a person through the CALLBACK queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from domain.conversations.actions import ActionKind
from domain.conversations.model import Classification, Intent

SHARE_BUCKETS = 100
MAX_FIRST_NAME = 30
# Said in every text it sends: a customer is never left thinking a person wrote it.
AUTOMATED = "RMC Claims' automated assistant"
HANDOFF_REPLY = (f"Thanks. This is {AUTOMATED}, so I've asked one of our team to call "
                 "you. Reply STOP to opt out.")
HANDED_OVER = ActionKind.HANDED_TO_PERSON.value  # the action a hand-off is recorded as


def in_share(user_id: int, percent: int) -> bool:
    """Whether the user falls in the share (0–100 %) of a queue automated agents work."""
    return user_id % SHARE_BUCKETS < percent


@dataclass(frozen=True, slots=True)
class AutomationPolicy:
    share_percent: int = 20  # of the UNSIGNED queue
    texts_per_hour: int = 60  # an agent's cap when a supervisor set none
    rest_after_text: timedelta = timedelta(hours=72)  # before they are texted or called again
    rest_after_refusal: timedelta = timedelta(hours=1)  # a text refused: not asked again soon
    thread_window: timedelta = timedelta(days=7)  # replies within this are its conversation
    handoff_below: float = 0.8  # a reading less sure than this goes to a person
    batch: int = 20  # the most texts one agent sends in one turn

    def __post_init__(self) -> None:
        if not 0 <= self.share_percent <= SHARE_BUCKETS:
            raise ValueError(f"the automated share must be 0 to 100 %, not {self.share_percent}")
        if not 0 <= self.handoff_below <= 1:
            raise ValueError("the hand-off confidence must be between 0 and 1")

    def texts_left(self, agent_cap: int | None, sent_last_hour: int) -> int:
        """How many more texts the agent may send this turn: its hourly cap (a supervisor's,
        else the default) less what it sent in the last hour, at most a batch."""
        cap = self.texts_per_hour if agent_cap is None else agent_cap
        return max(0, min(self.batch, cap - sent_last_hour))

    def hands_over(self, reading: Classification, acted: bool) -> bool:
        """After the dialler's own actions on a reply: a person takes over when the reading
        was not sure enough to trust, or a question found no answer. A confident reading
        that was acted on (a callback booked is the hand-off they asked for) or needs
        nothing ("ok thanks") stays with the texts."""
        if reading.confidence < self.handoff_below:
            return True
        return reading.intent is Intent.QUESTION and not acted


def first_text(first_name: str | None, url: str, hours: int) -> str:
    """The personal first text: who writes, what is needed, the link, and the way out."""
    name = " ".join((first_name or "").split())[:MAX_FIRST_NAME]
    greeting = f"Hi {name}, this" if name else "Hello, this"
    return (f"{greeting} is {AUTOMATED}. Your claim is waiting for your signature, which "
            f"takes a couple of minutes: {url} (valid {hours} hours). Reply with any "
            "question, CALL to speak to our team, or STOP to opt out.")
