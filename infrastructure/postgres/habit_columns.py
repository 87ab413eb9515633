"""A queue entry's learned habits (domain.scoring.habits.UserHabits) as its basis columns."""

from __future__ import annotations

from domain.scoring.habits import Evidence, UserHabits

# In order, after the entry's other columns; NULL habits: every one NULL.
HABIT_COLUMNS = (
    ("basis_window_start", "smallint"), ("basis_window_end", "smallint"),
    ("basis_window_answered", "int"), ("basis_window_calls", "int"),
    ("basis_window_rate", "float8"), ("basis_window_confidence", "float8"),
    ("basis_answered", "int"), ("basis_calls", "int"),
    ("basis_call_rate", "float8"), ("basis_call_confidence", "float8"),
    ("basis_replied", "int"), ("basis_texts", "int"),
    ("basis_text_rate", "float8"), ("basis_text_confidence", "float8"),
    ("basis_hour_rates", "float8[]"),
)
_NONE = (None,) * 4


def _evidence(e: Evidence | None) -> tuple:
    return _NONE if e is None else (e.successes, e.trials, e.estimate, e.confidence)


def habit_values(habits: UserHabits | None) -> tuple:
    if habits is None:
        return (None,) * len(HABIT_COLUMNS)
    return (habits.window_start, habits.window_end, *_evidence(habits.window),
            *_evidence(habits.calls), *_evidence(habits.texts),
            list(habits.hours) if habits.hours is not None else None)


def _evidence_at(r, successes: str, trials: str, rate: str, confidence: str
                 ) -> Evidence | None:
    return None if r[trials] is None else Evidence(r[successes], r[trials], r[rate],
                                                     r[confidence])


def habits_from_row(r) -> UserHabits | None:
    """The habits an entry row holds (the columns of HABIT_COLUMNS), None when none."""
    window = _evidence_at(r, "basis_window_answered", "basis_window_calls",
                          "basis_window_rate", "basis_window_confidence")
    calls = _evidence_at(r, "basis_answered", "basis_calls", "basis_call_rate",
                         "basis_call_confidence")
    texts = _evidence_at(r, "basis_replied", "basis_texts", "basis_text_rate",
                         "basis_text_confidence")
    if window is None and calls is None and texts is None:
        return None
    hours = r["basis_hour_rates"]
    return UserHabits(r["basis_window_start"], r["basis_window_end"], window, calls, texts,
                      tuple(hours) if hours is not None else None)
