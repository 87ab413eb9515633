"""The segments users are pooled in: age band × postcode area for contact habits, and with
the lender of their oldest open claim for conversion rates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache

from domain.scoring.basics import aware, completed_years, postcode_area
from domain.scoring.rules import RuleSet, canonical_lender, default_rule_set

AGE_BANDS = ((0, "under 30"), (30, "30-44"), (45, "45-59"), (60, "60+"))
UNKNOWN_AGE, UNKNOWN_AREA, UNKNOWN_LENDER = "age unknown", "area unknown", "lender unknown"
_UNDATED = datetime.min.replace(tzinfo=UTC)

OpenClaims = tuple[tuple[str | None, datetime | None], ...]  # ScoringFacts.open_claims
Segment = tuple[str, str, str]  # (age band, postcode area, lender)


@lru_cache(maxsize=65536)  # birthdays repeat across many users: a learning run asks for each
def age_band(born: date | None, today: date) -> str:
    years = completed_years(born, today) if born else None
    if years is None or years < 0:
        return UNKNOWN_AGE
    return [name for low, name in AGE_BANDS if years >= low][-1]


def contact_segment(born: date | None, post_code: str | None, today: date) -> str:
    return f"{age_band(born, today)} · {postcode_area(post_code) or UNKNOWN_AREA}"


def contact_segment_of(segment: Segment) -> str:
    """The contact segment (contact_segment) within a conversion segment."""
    return f"{segment[0]} · {segment[1]}"


def conversion_key(born: date | None, post_code: str | None, open_claims: OpenClaims,
                   today: date) -> Segment:
    """A user's conversion segment; with a queue type after it, a key of
    domain.scoring.habits.SnapshotTables.conversions."""
    return (age_band(born, today), postcode_area(post_code) or UNKNOWN_AREA,
            learning_lender(open_claims))


def learning_lender(open_claims: OpenClaims) -> str:
    """The canonical lender (the default rule set's aliases) of the oldest open claim that
    names one, else UNKNOWN_LENDER; undated claims come after dated ones, and a tie goes to
    the first name alphabetically, so the replica's row order never matters."""
    named = [(at is None, aware(at) if at else _UNDATED, lender) for raw, at in open_claims
             if (lender := _canonical(raw))]
    return min(named)[2] if named else UNKNOWN_LENDER


@lru_cache(maxsize=65536)  # a few hundred spellings recur across every user's claims
def _canonical(raw: str | None) -> str | None:
    return canonical_lender(raw, _default_rules())


@lru_cache(maxsize=1)
def _default_rules() -> RuleSet:
    return default_rule_set()
