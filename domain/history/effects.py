"""What imported calls change in a user's call score (call_scores), which scoring and
cool-downs read.

The same account a disposition keeps (infrastructure.postgres.dispositions): every outbound
call is an attempt, a NO_ANSWER, BUSY or FAILED one a failed attempt; the latest call's
outcome and cool-down stand unless the dialler's own latest call is newer; the latest
contact is the newest call that reached the user, either way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime

from domain.calls.disposition import cooldown_until
from domain.calls.outcomes import FAILED_ATTEMPT, NOT_REACHED
from domain.history.records import Channel, HistoryRecord
from domain.messaging.model import Direction
from domain.scoring.model import CallScore


def with_imported(user_id: int, current: CallScore | None, records: Iterable[HistoryRecord],
                  cooldowns: Mapping[str, int | str], now: datetime) -> CallScore:
    """``current`` after these newly imported rows of the user (texts change nothing)."""
    history = current or CallScore(user_id, 0.0)
    calls = sorted((r for r in records if r.channel is Channel.CALL),
                   key=lambda r: (r.occurred_at, r.external_id))
    outbound = [r for r in calls if r.direction is Direction.OUTBOUND and r.call_outcome]
    reached = [r.occurred_at for r in outbound if r.call_outcome not in NOT_REACHED]
    reached += [r.occurred_at for r in calls
                if r.direction is Direction.INBOUND and (r.talk_seconds or 0) > 0]
    total = history.total_attempts + len(outbound)
    failed = history.failed_attempts + sum(r.call_outcome in FAILED_ATTEMPT for r in outbound)
    contact = _latest(history.last_contact_at, *reached)
    last_outcome, last_called, after = (history.last_outcome, history.last_called_at,
                                        history.next_call_after)
    if outbound and (last_called is None or outbound[-1].occurred_at > last_called):
        latest = outbound[-1]
        last_outcome, last_called = latest.call_outcome, latest.occurred_at
        after = _latest(after, cooldown_until(latest.call_outcome, cooldowns,
                                              latest.occurred_at, None))
    return replace(history, total_attempts=total, failed_attempts=failed,
                   last_outcome=last_outcome, last_called_at=last_called,
                   last_contact_at=contact, next_call_after=after, updated_at=now)


def _latest(*times: datetime | None) -> datetime | None:
    known = [t for t in times if t is not None]
    return max(known) if known else None
