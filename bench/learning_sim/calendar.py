"""Simulated days, agents' shifts and London times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.queue.calling_window import CallingWindow

LONDON = ZoneInfo("Europe/London")
BREAK = timedelta(minutes=30)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A London wall-clock time on ``day``, as an aware UTC datetime."""
    return datetime.combine(day, time(hour, minute), LONDON).astimezone(UTC)


def local(moment: datetime) -> datetime:
    return moment.astimezone(LONDON)


@dataclass(frozen=True, slots=True)
class Day:
    number: int  # 1-based
    date: date
    calling: bool  # the dialler's calling window opens (not Sunday, not a bank holiday)


def days(first: date, count: int, window: CallingWindow) -> list[Day]:
    return [Day(n + 1, first + timedelta(days=n),
                window.is_open(at(first + timedelta(days=n), 12)))
            for n in range(count)]


@dataclass(frozen=True, slots=True)
class Shift:
    """An agent's working blocks: early (from 08:00) or late (to 20:00) on weekdays, ``hours``
    long (8: 08:00-16:00 or 12:00-20:00) with half an hour off in the middle (none under 4
    hours); on Saturday those who work Saturdays do 09:00-15:00 (shorter as ``hours`` is)."""

    early: bool
    saturdays: bool
    hours: float = 8.0

    def blocks(self, day: Day) -> list[tuple[datetime, datetime]]:
        if not day.calling:
            return []
        if day.date.weekday() == 5:
            if not self.saturdays:
                return []
            start = at(day.date, 9)
            return [(start, start + timedelta(hours=6 * self.hours / 8))]
        start = at(day.date, 8) if self.early else at(day.date, 20) - timedelta(hours=self.hours)
        half = timedelta(hours=self.hours / 2)
        if self.hours < 4:  # too short a shift for a break
            return [(start, start + 2 * half)]
        return [(start, start + half), (start + half + BREAK, start + 2 * half)]

    def worked(self, day: Day) -> float:
        """Hours on shift that day, breaks excluded."""
        return sum((end - begin).total_seconds() for begin, end in self.blocks(day)) / 3600
