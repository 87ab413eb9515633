"""The segment a user's contact habits are pooled with: age band × postcode area."""

from __future__ import annotations

from datetime import date

from domain.scoring.engine import completed_years, postcode_area

AGE_BANDS = ((0, "under 30"), (30, "30-44"), (45, "45-59"), (60, "60+"))


def age_band(born: date | None, today: date) -> str:
    years = completed_years(born, today) if born else None
    if years is None or years < 0:
        return "age unknown"
    return [name for low, name in AGE_BANDS if years >= low][-1]


def contact_segment(born: date | None, post_code: str | None, today: date) -> str:
    return f"{age_band(born, today)} · {postcode_area(post_code) or 'area unknown'}"
