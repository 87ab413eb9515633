"""What every scoring rule reads of a user the same way: ages, UK dates, postcode areas."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

_DAY = timedelta(days=1)
# Birthdays, month-ends and weekdays are the UK's calendar days, whatever zone `now` is in.
UK = ZoneInfo("Europe/London")
_AREA = re.compile(r"([A-Z]{1,2})\d")


def completed_years(born: date, on: date) -> int:
    """Age in completed years; a 29 February birthday comes on 1 March in other years."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def whole_days(since: datetime, now: datetime) -> int:
    """Whole 24-hour periods from ``since`` to ``now``; 0 when ``since`` is in the future."""
    return max(0, (aware(now) - aware(since)) // _DAY)


def uk_date(now: datetime) -> date:
    return london(now).date() if now.tzinfo else now.date()


@lru_cache(maxsize=1024)  # a rebuild scores every user at one moment: convert it once
def london(at: datetime) -> datetime:
    """``at`` on London's clock (a naive time is UTC, as the replica's are)."""
    return aware(at).astimezone(UK)


def postcode_area(post_code: str | None) -> str | None:
    """The letters that open a UK postcode ("LS" of "ls1 4ap", "M" of "M1 1AE")."""
    found = _AREA.match("".join((post_code or "").split()).upper())
    return found.group(1) if found else None


def aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)  # the replica's naive times are UTC
