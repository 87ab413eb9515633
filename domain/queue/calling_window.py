"""When agents may call: local hours on working days, never on English bank holidays."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

LONDON = "Europe/London"


@lru_cache(maxsize=16)
def _bank_holidays(year: int) -> frozenset[date]:
    import holidays  # a large package: loaded when a window is first asked, not at start-up

    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


@dataclass(frozen=True, slots=True)
class CallingWindow:
    opens: time = time(8, 0)
    closes: time = time(20, 0)
    weekdays: frozenset[int] = field(default_factory=lambda: frozenset(range(6)))  # Mon-Sat
    timezone: str = LONDON
    skip_bank_holidays: bool = True

    def __post_init__(self) -> None:
        if self.opens >= self.closes:
            raise ValueError("the calling window must open before it closes")
        if not self.weekdays or not self.weekdays <= set(range(7)):
            raise ValueError("weekdays must be a non-empty set of 0 (Monday) to 6 (Sunday)")
        ZoneInfo(self.timezone)

    def closed_reason(self, at: datetime) -> str | None:
        """None when calls are allowed at ``at`` (an aware datetime); else why not."""
        local = at.astimezone(ZoneInfo(self.timezone))
        if local.weekday() not in self.weekdays:
            return f"outside the calling window: no calls on {local:%A}s"
        if self.skip_bank_holidays and local.date() in _bank_holidays(local.year):
            return f"outside the calling window: {local:%d %B %Y} is a bank holiday"
        if not self.opens <= local.time() < self.closes:
            return (f"outside the calling window: calls are allowed {self.opens:%H:%M}–"
                    f"{self.closes:%H:%M} {self.timezone} (it is {local:%H:%M})")
        return None

    def is_open(self, at: datetime) -> bool:
        return self.closed_reason(at) is None

    def next_opening(self, at: datetime) -> datetime:
        """The first moment at or after ``at`` when calls are allowed."""
        zone = ZoneInfo(self.timezone)
        local = at.astimezone(zone)
        for offset in range(0, 15):
            day = local.date() + timedelta(days=offset)
            start = datetime.combine(day, self.opens, zone)
            candidate = max(start, local) if offset == 0 else start
            if candidate.time() < self.closes and self.is_open(candidate):
                return candidate
        raise ValueError("the calling window never opens in the next two weeks")
