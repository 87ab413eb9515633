"""Follow-up SMS: which outcomes schedule which messages, and whether one may still go."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.calls.outcomes import NOT_REACHED, CallOutcome
from domain.queue.calling_window import CallingWindow

LONDON = ZoneInfo("Europe/London")
CHECK_IN_DELAY = timedelta(minutes=15)
EVENING = time(18, 30)
LATER_DAYS = 3
LATER_AT = time(11, 0)
REVIEW_DELAY = timedelta(days=1)
LIVE_CONVERSATION = timedelta(hours=1)
# After these a reminder would be unwelcome or pointless.
NO_FOLLOW_UP = frozenset({CallOutcome.NOT_INTERESTED, CallOutcome.WRONG_NUMBER,
                          CallOutcome.NO_CLAIM, CallOutcome.DO_NOT_CALL})


class FollowUpKind(StrEnum):
    CHECK_IN = "CHECK_IN"
    CALLBACK_CONFIRMATION = "CALLBACK_CONFIRMATION"
    REMINDER_EVENING = "REMINDER_EVENING"
    REMINDER_LATER = "REMINDER_LATER"
    REVIEW_REQUEST = "REVIEW_REQUEST"


TEMPLATES = {
    FollowUpKind.CHECK_IN: (
        "Hi {first_name}, we tried to call you about your claim. You can finish what's "
        "needed online in a couple of minutes: {link} Reply STOP to opt out."),
    FollowUpKind.CALLBACK_CONFIRMATION: (
        "Hi {first_name}, thanks for speaking with us. We'll call you back on {callback_at}. "
        "Reply STOP to opt out."),
    FollowUpKind.REMINDER_EVENING: (
        "Hi {first_name}, a quick reminder to finish your claim today so we can move it "
        "forward: {link} Reply STOP to opt out."),
    FollowUpKind.REMINDER_LATER: (
        "Hi {first_name}, your claim is still waiting on you. It only takes a few minutes: "
        "{link} Reply STOP to opt out."),
    FollowUpKind.REVIEW_REQUEST: (
        "Hi {first_name}, thank you for completing your claim with us. Would you tell others "
        "how we did? {review_url} Reply STOP to opt out."),
}
# Kinds about something still to do: dropped once it is done.
NEEDS_OUTSTANDING_WORK = frozenset({FollowUpKind.CHECK_IN, FollowUpKind.REMINDER_EVENING,
                                    FollowUpKind.REMINDER_LATER})
# A confirmation answers the call itself; the others wait until a conversation has cooled.
WAITS_FOR_QUIET = frozenset(set(FollowUpKind) - {FollowUpKind.CALLBACK_CONFIRMATION})


@dataclass(frozen=True, slots=True)
class PlannedFollowUp:
    kind: FollowUpKind
    user_id: int
    due_at: datetime
    expires_at: datetime
    dedupe_key: str
    params: dict = field(default_factory=dict)


def _local_at(day_of: datetime, at: time, plus_days: int = 0) -> datetime:
    local = day_of.astimezone(LONDON)
    return datetime.combine(local.date() + timedelta(days=plus_days), at, LONDON)


def after_outcome(user_id: int, outcome: CallOutcome, now: datetime,
                  callback_at: datetime | None = None) -> list[PlannedFollowUp]:
    """The follow-ups a disposition schedules; the dedupe keys make repeats no-ops."""
    if outcome in NO_FOLLOW_UP:
        return []
    plans: list[PlannedFollowUp] = []
    if outcome is CallOutcome.NO_ANSWER:
        # Keyed per user: only the FIRST no-answer ever schedules a check-in.
        plans.append(PlannedFollowUp(FollowUpKind.CHECK_IN, user_id, now + CHECK_IN_DELAY,
                                     now + timedelta(days=1), f"check-in:{user_id}"))
    if callback_at is not None:
        plans.append(callback_confirmation(user_id, callback_at, now))
    if outcome not in NOT_REACHED:
        plans += _reminders(user_id, now)
    return plans


def callback_confirmation(user_id: int, callback_at: datetime,
                          now: datetime) -> PlannedFollowUp:
    return PlannedFollowUp(
        FollowUpKind.CALLBACK_CONFIRMATION, user_id, now, callback_at,
        f"callback:{user_id}:{callback_at.isoformat()}",
        {"callback_at": callback_at.isoformat()})


def _reminders(user_id: int, now: datetime) -> list[PlannedFollowUp]:
    day = now.astimezone(LONDON).date().isoformat()
    plans = []
    evening = _local_at(now, EVENING)
    if evening > now:
        plans.append(PlannedFollowUp(FollowUpKind.REMINDER_EVENING, user_id, evening,
                                     _local_at(now, time(21, 0)),
                                     f"reminder-evening:{user_id}:{day}"))
    later = _local_at(now, LATER_AT, LATER_DAYS)
    plans.append(PlannedFollowUp(FollowUpKind.REMINDER_LATER, user_id, later,
                                 later + timedelta(days=2), f"reminder-later:{user_id}:{day}"))
    return plans


def review_request(user_id: int, now: datetime) -> PlannedFollowUp:
    """Once per user, whatever number of conversions they make."""
    due = now + REVIEW_DELAY
    return PlannedFollowUp(FollowUpKind.REVIEW_REQUEST, user_id, due, due + timedelta(days=7),
                           f"review:{user_id}")


@dataclass(frozen=True, slots=True)
class Recheck:
    """What is true of the user just before a follow-up goes (opt-outs, do-not-call and the
    number are checked again where the message is queued, in the same transaction)."""

    exists: bool
    eligible: bool
    signed: bool
    pending_requirements: int
    last_conversation_at: datetime | None
    callback_pending: bool = True


@dataclass(frozen=True, slots=True)
class Verdict:
    send: bool = False
    skip_reason: str | None = None  # never sent
    retry_at: datetime | None = None  # not now, later


def decide(kind: FollowUpKind, check: Recheck, now: datetime, expires_at: datetime,
           sms_hours: CallingWindow) -> Verdict:
    """Send now, skip for good (with the reason), or wait until ``retry_at``."""
    if now >= expires_at:
        return Verdict(skip_reason="EXPIRED")
    for failed, reason in ((not check.exists, "UNKNOWN_USER"),
                           (not check.eligible, "NOT_ELIGIBLE")):
        if failed:
            return Verdict(skip_reason=reason)
    if kind in NEEDS_OUTSTANDING_WORK and check.signed and check.pending_requirements == 0:
        return Verdict(skip_reason="NOTHING_OUTSTANDING")
    if kind is FollowUpKind.CALLBACK_CONFIRMATION and not check.callback_pending:
        return Verdict(skip_reason="CALLBACK_CHANGED")
    quiet_from = (check.last_conversation_at or now - LIVE_CONVERSATION) + LIVE_CONVERSATION
    if kind in WAITS_FOR_QUIET and quiet_from > now:
        return _wait_until(quiet_from, expires_at, sms_hours)
    if not sms_hours.is_open(now):
        return _wait_until(now, expires_at, sms_hours)
    return Verdict(send=True)


def _wait_until(at: datetime, expires_at: datetime, sms_hours: CallingWindow) -> Verdict:
    """Retry at the first moment inside SMS hours from ``at``; skip if that is too late."""
    opening = sms_hours.next_opening(at)
    if opening >= expires_at:
        return Verdict(skip_reason="EXPIRED")
    return Verdict(retry_at=opening)


def render(kind: FollowUpKind, first_name: str | None, params: dict) -> str:
    """The message text; placeholders without a value keep their braces for the caller."""
    values = {"first_name": (first_name or "there").strip() or "there", **params}
    if "callback_at" in params:
        at = datetime.fromisoformat(params["callback_at"]).astimezone(LONDON)
        values["callback_at"] = f"{at:%A %d %B} at {at:%H:%M}"
    return TEMPLATES[kind].format_map(_Keep(values))


class _Keep(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def link_purpose(kind: FollowUpKind, signed: bool) -> str:
    """What a follow-up's magic link opens: signing first, then documents."""
    return "UPLOAD_DOCUMENTS" if signed else "SIGN"
