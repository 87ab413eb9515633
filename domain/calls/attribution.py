"""Which call and agent a conversion is credited to, and whether it counts at all.

A conversion counts only after the dialler reached out: some call, disposition or
followed magic link (clicked or redeemed) for the user within WINDOW before it. It is
credited to the last real conversation in that window (over MIN_TALK_SECONDS of talk);
with none, to whoever sent the link the user last followed in the window (a person or an
automated agent that texted it); with neither, to nobody. The queue is the real conversation's,
else the last disposition's.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

MIN_TALK_SECONDS = 30  # a real conversation has more talk than this
WINDOW = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class CallBefore:
    id: uuid.UUID
    agent_id: uuid.UUID | None
    queue_type: str | None
    started_at: datetime
    talk_seconds: int


@dataclass(frozen=True, slots=True)
class DispositionBefore:
    queue_type: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class LinkFollowed:
    """One moment the user followed a magic link: its first or last click, or redemption."""

    link_id: uuid.UUID
    sent_by: uuid.UUID | None  # None: sent with no agent behind it
    followed_at: datetime


@dataclass(frozen=True, slots=True)
class Credit:
    agent_id: uuid.UUID | None
    call_id: uuid.UUID | None
    queue_type: str | None


def within_window(at: datetime, occurred_at: datetime) -> bool:
    """Both ends count: a call exactly WINDOW before, or at the same instant, is in it."""
    return occurred_at - WINDOW <= at <= occurred_at


def real_conversation(call: CallBefore) -> bool:
    return call.talk_seconds > MIN_TALK_SECONDS


def credit(occurred_at: datetime, calls: Iterable[CallBefore],
           dispositions: Iterable[DispositionBefore],
           links: Iterable[LinkFollowed] = ()) -> Credit | None:
    """The credit for a conversion at ``occurred_at``; None: not reached first, none."""
    recent = [c for c in calls if within_window(c.started_at, occurred_at)]
    talk = max((c for c in recent if real_conversation(c)), key=_call_order, default=None)
    last = max((d for d in dispositions if within_window(d.created_at, occurred_at)),
               key=lambda d: d.created_at, default=None)
    link = max((f for f in links if within_window(f.followed_at, occurred_at)),
               key=_follow_order, default=None)
    if not recent and last is None and link is None:
        return None
    queue_type = (talk.queue_type if talk else None) or (last.queue_type if last else None)
    if talk is not None:
        return Credit(talk.agent_id, talk.id, queue_type)
    return Credit(link.sent_by if link else None, None, queue_type)


def _call_order(call: CallBefore) -> tuple[datetime, uuid.UUID]:
    return call.started_at, call.id


def _follow_order(follow: LinkFollowed) -> tuple[datetime, uuid.UUID]:
    return follow.followed_at, follow.link_id
