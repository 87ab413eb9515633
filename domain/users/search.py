"""Finding a customer: what a supervisor's query can mean, and the keys it is matched on.

A query is read every way it can be: a phone number in any written form (matched on its
digits, so "07912 345678", "+44 7912 345678" and "447912345678" are one number; a part of
a number matches as a prefix), an e-mail address (whole or its start), a claim id, and a
name, matched fuzzily by trigram similarity so "jon smyth" still finds John Smith.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass

from domain.text import NUL_REFUSED, has_nul, is_encodable

MIN_QUERY = 2
MAX_QUERY = 200
MAX_RESULTS = 50
# A part of a number is a prefix of the stored key; shorter ones match too many to help.
MIN_PHONE_PREFIX = 6
MAX_CLAIM_ID = 2**63 - 1
EXACT, PREFIX_FLOOR = 1.0, 0.5

_PHONE_LIKE = re.compile(r"\+?[\d\s().\-]+")
_UK = "44"
_NATIONAL_DIGITS = 10


class MatchedOn(enum.Enum):
    PHONE = "PHONE"
    EMAIL = "EMAIL"
    CLAIM_ID = "CLAIM_ID"
    NAME = "NAME"


class InvalidSearch(ValueError):
    def __init__(self, message: str, field: str = "query"):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class SearchKeys:
    """What one user is found by (user_search's row)."""

    user_id: int
    name_key: str
    email_key: str | None
    phone_key: str | None
    claim_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """The ways one query is matched; at least one is set."""

    phone: str | None = None
    phone_whole: bool = False
    email: str | None = None
    claim_id: int | None = None
    name: str | None = None

    @classmethod
    def parse(cls, text: str) -> SearchQuery:
        """Raises InvalidSearch naming what is wrong with the query."""
        query = text.strip()
        if has_nul(query):
            raise InvalidSearch(f"query {NUL_REFUSED}")
        if not is_encodable(query):
            raise InvalidSearch("query holds half of a surrogate pair, which is no character")
        if len(query) > MAX_QUERY:
            raise InvalidSearch(f"query is longer than {MAX_QUERY} characters")
        if sum(c.isalnum() for c in query) < MIN_QUERY:
            raise InvalidSearch(f"query needs at least {MIN_QUERY} letters or digits")
        if "@" in query:
            return cls(email=query.lower())
        if _PHONE_LIKE.fullmatch(query):
            return cls._numeric(query)
        return cls(name=name_key(query, None))

    @classmethod
    def _numeric(cls, query: str) -> SearchQuery:
        claim = int(query) if query.isdigit() and int(query) <= MAX_CLAIM_ID else None
        key = phone_key(query)
        digits = "".join(c for c in query if c.isdigit())
        # Ten digits are a British number written without its 0 ("7912 345678").
        written_as_phone = (query.lstrip("( ").startswith(("+", "0")) or digits.startswith(_UK)
                            or len(digits) == _NATIONAL_DIGITS)
        if key is None or not written_as_phone or len(key) < MIN_PHONE_PREFIX:
            key = None
        if claim is None and key is None:
            raise InvalidSearch("query is neither a phone number (start it with 0, 44 or +, "
                                "or give all ten digits) nor a claim id")
        return cls(phone=key, phone_whole=key is not None and is_whole_number(key),
                   claim_id=claim)


@dataclass(frozen=True, slots=True)
class SearchHit:
    user_id: int
    matched_on: MatchedOn
    rank: float  # 1.0 an exact match; a prefix or a fuzzy name less


def phone_key(raw: str | None) -> str | None:
    """The number's digits with its country code and without a trunk 0 (E.164 less its
    "+"), whatever the writing: a number without a code is taken as British."""
    if not raw:
        return None
    text = raw.strip().replace("(0)", "")
    digits = "".join(c for c in text if c.isdigit())
    if not digits:
        return None
    if text.startswith("+"):
        international = digits
    elif digits.startswith("00"):
        international = digits[2:]
    elif digits.startswith("0"):
        international = _UK + digits[1:]
    elif digits.startswith(_UK) and len(digits) > 10:
        international = digits
    else:
        international = _UK + digits
    if international.startswith(_UK + "0"):  # "+44 (0)7912…" written without brackets
        international = _UK + international[3:]
    return international[:20] or None


def is_whole_number(key: str) -> bool:
    """Long enough to be a whole number (a British one has 12 digits with its code)."""
    return len(key) >= (12 if key.startswith(_UK) else 9)


def name_key(first: str | None, last: str | None) -> str:
    """Lower case, accents and punctuation gone, one space between words."""
    text = " ".join(p for p in (first, last) if p)
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    return " ".join("".join(c if c.isalnum() else " " for c in plain).split())


def email_key(email: str | None) -> str | None:
    return email.strip().lower() or None if email else None


def prefix_rank(asked: str, found: str) -> float:
    """An exact match ranks 1.0; a prefix by how much of the key it covers."""
    if asked == found:
        return EXACT
    return PREFIX_FLOOR + (EXACT - PREFIX_FLOOR) * len(asked) / max(len(found), 1) * 0.99


def best_hits(hits: list[SearchHit], first: int) -> list[SearchHit]:
    """One hit per user (their best), best first, then by user id."""
    best: dict[int, SearchHit] = {}
    for hit in hits:
        if hit.user_id not in best or hit.rank > best[hit.user_id].rank:
            best[hit.user_id] = hit
    return sorted(best.values(), key=lambda h: (-h.rank, h.user_id))[:first]
