"""Callback times named in inbound texts ("tomorrow after 3", "half 4", "monday arvo").

Our own rules read the British shorthand dateparser gets wrong or reads as a different
moment; dateparser reads what is left (a named date such as "12 june at 3pm").
Conventions: morning 09:00, afternoon 14:00, evening / tonight / after work 18:00; a weekday is
the next such day (never today) at 09:00; a bare hour from 1 to 7 is in the afternoon; a time
alone is today if it is still ahead, else tomorrow; "in an hour" is rounded up to a quarter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.conversations.normalise import normalise
from domain.conversations.ports import CallbackTimeParser

LONDON = ZoneInfo("Europe/London")
QUARTER = timedelta(minutes=15)
DEFAULT_HOUR = 9  # a day named without a time: first thing that morning

WEEKDAYS = {name: number for number, names in enumerate((
    ("monday", "mon"), ("tuesday", "tue", "tues"), ("wednesday", "wed", "weds"),
    ("thursday", "thu", "thur", "thurs"), ("friday", "fri"), ("saturday", "sat"),
    ("sunday", "sun"))) for name in names}
MONTHS = {name: number for number, names in enumerate((
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
    ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
    ("october", "oct"), ("november", "nov"), ("december", "dec")), start=1) for name in names}
PARTS_OF_DAY = {"morning": 9, "afternoon": 14, "arvo": 14, "lunchtime": 12, "lunch": 12,
                "evening": 18, "tonight": 18, "after work": 18, "teatime": 17}
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "an": 1, "a": 1}

_WORD = r"(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_DAYS = "|".join(WEEKDAYS)
_MONTHS = "|".join(MONTHS)
_IN = re.compile(rf"\bin (half an|an|a|{_WORD}) (hours?|hrs?|minutes?|mins?)\b")
_CLOCK = re.compile(rf"\b(?:(half|quarter) (past|to) )?({_WORD})(?::(\d{{2}}))?(?: ?(am|pm))?\b")
_HALF = re.compile(rf"\bhalf ({_WORD})\b(?! (?:hours?|hrs?))")
# Words after which a bare number is an hour ("after 3", "tomorrow 3"), not a count or an id.
_TIME_CUE = re.compile(rf"\b(?:at|after|around|about|from|by|before|till|until|til|"
                       rf"tomorrow|today|tonight|morning|afternoon|evening|{_DAYS}) $")
_NOON = re.compile(r"\b(?:noon|midday)\b")
_GREETING = re.compile(r"^(?:good )?(?:morning|afternoon|evening)\b"
                       r"|\bgood (?:morning|afternoon|evening)\b")
_DAY_OF_MONTH = re.compile(rf"\b(?:the )?(\d{{1,2}})(?:st|nd|rd|th)\b(?: of)?(?: ({_MONTHS})\b)?"
                           rf"|\b(\d{{1,2}}) (?:of )?({_MONTHS})\b"
                           rf"|\b({_MONTHS}) (?:the )?(\d{{1,2}})(?:st|nd|rd|th)?\b")


@dataclass(frozen=True, slots=True)
class _Clock:
    hour: int
    minute: int
    explicit: bool  # said am/pm, or a 24-hour or minute-precise time


class DateparserCallbackTimes(CallbackTimeParser):
    """Our rules first, then dateparser for whatever date they did not recognise."""

    def parse(self, text: str, sent_at: datetime) -> datetime | None:
        return parse_callback_time(text, sent_at)


def parse_callback_time(text: str, sent_at: datetime) -> datetime | None:
    """The London moment the text names, or None when it names no time."""
    said = _GREETING.sub(" ", normalise(text))
    # A naive sent_at is taken as London time.
    now = sent_at.astimezone(LONDON) if sent_at.tzinfo else sent_at.replace(tzinfo=LONDON)
    if (after := _relative(said, now)) is not None:
        return after
    day, clock, part = _day(said, now.date()), _clock(said), _part_of_day(said)
    if clock is not None:
        clock = _with_part(clock, part)
    elif part is not None:
        clock = _Clock(part, 0, explicit=True)
    if day is None and clock is None:
        return _dateparser(said, now)
    if day is None:
        return _today_or_tomorrow(clock, now)
    moment = _at(day, clock or _Clock(DEFAULT_HOUR, 0, explicit=True))
    return moment if moment > now or clock is None else _today_or_tomorrow(clock, now)


def _relative(said: str, now: datetime) -> datetime | None:
    """"in an hour", "in 20 mins": from now, rounded up to the next quarter hour."""
    match = _IN.search(said)
    if match is None:
        return None
    amount = 0.5 if match[1] == "half an" else _number(match[1])
    minutes = amount * (60 if match[2].startswith("h") else 1)
    moment = now.astimezone(UTC) + timedelta(minutes=minutes)
    rest = (moment - datetime.min.replace(tzinfo=UTC)) % QUARTER
    rounded = moment + (QUARTER - rest) if rest else moment
    return rounded.astimezone(LONDON)


def _day(said: str, today: date) -> date | None:
    if re.search(r"\bday after tomorrow\b", said):
        return today + timedelta(days=2)
    if re.search(r"\bnext week\b", said):
        return today + timedelta(days=7 - today.weekday())
    if re.search(r"\btomorrow\b", said):
        return today + timedelta(days=1)
    if re.search(r"\b(?:today|tonight|this (?:morning|afternoon|evening|arvo))\b", said):
        return today
    for word in said.split():
        if word in WEEKDAYS:
            ahead = (WEEKDAYS[word] - today.weekday() - 1) % 7 + 1
            return today + timedelta(days=ahead)
    return _day_of_month(said, today)


def _day_of_month(said: str, today: date) -> date | None:
    """"the 12th" (this month, or next once it has passed) or "12th june"."""
    match = _DAY_OF_MONTH.search(said)
    if match is None:
        return None
    day = int(match[1] or match[3] or match[6])
    month = MONTHS.get(match[2] or match[4] or match[5] or "")
    if month is not None:
        return _next_date(today, month, day)
    for offset in range(3):
        year, month = divmod(today.month - 1 + offset, 12)
        try:
            candidate = date(today.year + year, month + 1, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    return None


def _next_date(today: date, month: int, day: int) -> date | None:
    for year in (today.year, today.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            return None
        if candidate >= today:
            return candidate
    return None


def _clock(said: str) -> _Clock | None:
    if _NOON.search(said):
        return _Clock(12, 0, explicit=True)
    if match := _HALF.search(said):
        return _Clock(_afternoon(_number(match[1])), 30, explicit=False)
    for match in _CLOCK.finditer(said):
        if said[match.end():].startswith(("st", "nd", "rd", "th")):
            continue
        clock = _clock_of(said, match)
        if clock is not None:
            return clock
    return None


def _clock_of(said: str, match: re.Match[str]) -> _Clock | None:
    relation, hour, minute, meridiem = match[2], _number(match[3]), match[4], match[5]
    if hour > 23 or (minute is not None and int(minute) > 59):
        return None
    cued = _TIME_CUE.search(said[:match.start()]) or relation or minute or meridiem
    after = r" ?o ?clock\b| (?:in the |tomorrow |this )?(?:morning|afternoon|evening|night)\b"
    if not cued and not re.match(after, said[match.end():]):
        return None
    hour, minutes = hour % 12 if meridiem else hour, int(minute or 0)
    if meridiem == "pm":
        hour += 12
    if relation == "past":
        minutes = 15 if match[1] == "quarter" else 30
    elif relation == "to":
        hour, minutes = hour - 1, 45 if match[1] == "quarter" else 30
    explicit = bool(meridiem) or hour > 12 or hour == 0
    return _Clock(hour if explicit else _afternoon(hour), minutes, explicit)


def _afternoon(hour: int) -> int:
    """A bare hour from 1 to 7 is in the afternoon: nobody asks for a call at 4 a.m."""
    return hour + 12 if 1 <= hour <= 7 else hour


def _part_of_day(said: str) -> int | None:
    for part, hour in PARTS_OF_DAY.items():
        if re.search(rf"\b{part}\b", said):
            return hour
    return None


def _with_part(clock: _Clock, part: int | None) -> _Clock:
    """"8 in the evening" is 20:00, "7 in the morning" 07:00."""
    if clock.explicit or part is None:
        return clock
    if part >= 12 and clock.hour < 12:
        return _Clock(clock.hour + 12, clock.minute, explicit=True)
    if part < 12 and clock.hour > 12:
        return _Clock(clock.hour - 12, clock.minute, explicit=True)
    return clock


def _today_or_tomorrow(clock: _Clock, now: datetime) -> datetime:
    today = _at(now.date(), clock)
    return today if today > now else _at(now.date() + timedelta(days=1), clock)


def _at(day: date, clock: _Clock) -> datetime:
    wall = datetime.combine(day, time(clock.hour % 24, clock.minute))
    # Through UTC, so a wall time the spring change skips lands on the hour after it.
    return wall.replace(tzinfo=LONDON).astimezone(UTC).astimezone(LONDON)


def _number(word: str) -> int:
    return NUMBER_WORDS[word] if word in NUMBER_WORDS else int(word)


def _dateparser(said: str, now: datetime) -> datetime | None:
    """What our rules missed ("12/06", "next weekend"), at 09:00 unless a time is said."""
    if not re.search(r"\b(?:next|weekend|\d{1,2}/\d{1,2})\b", said):
        return None
    import dateparser  # a slow import the CLI and the API should not pay for

    found = dateparser.parse(said, languages=["en"], settings={
        "PREFER_DATES_FROM": "future", "TIMEZONE": "Europe/London",
        "RETURN_AS_TIMEZONE_AWARE": True, "RELATIVE_BASE": now.replace(tzinfo=None),
        "PREFER_DAY_OF_MONTH": "first", "DATE_ORDER": "DMY"})
    if found is None:
        return None
    # dateparser gives the London wall time but not always the offset of that day (it
    # takes the offset of the base), so zoneinfo decides the offset.
    wall = found.replace(tzinfo=None)
    # dateparser keeps the base's time of day when none is said.
    if wall.time() in (time(0), now.time().replace(tzinfo=None)):
        wall = wall.replace(hour=DEFAULT_HOUR)
    moment = wall.replace(tzinfo=LONDON)
    return moment if moment > now else None
