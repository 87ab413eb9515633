"""Phone numbers as users type them, normalised to E.164 for dialling."""

from __future__ import annotations

import re

import phonenumbers

DEFAULT_REGION = "GB"


# A UK number as most are written ("07700 900123", "+44 7700-900123"): once spaces and
# hyphens are gone, parsing it can only give country code 44 and these ten digits (no
# international prefix, no leading zero left, not the "180020" the plan also strips).
_UK_WRITTEN = re.compile(r"(?:\+44|0)([1-9]\d{9})")


def to_e164(raw: str | None, region: str = DEFAULT_REGION) -> str | None:
    """The number in E.164, or None when it is not a valid, dialable number."""
    if not raw or not raw.strip():
        return None
    # "(0)7700-900123" is a common UK way of writing the trunk prefix.
    cleaned = raw.strip().replace("(0)", "0", 1) if raw.strip().startswith("(0)") else raw.strip()
    if region == DEFAULT_REGION:
        found = _UK_WRITTEN.fullmatch(cleaned.replace(" ", "").replace("-", ""))
        if found and not found.group(1).startswith("180020"):
            # What parsing would give, without its cost (half of the check); the same
            # validation follows (tests/unit/test_phone.py compares the two).
            national = found.group(1)
            number = phonenumbers.PhoneNumber(country_code=44, national_number=int(national))
            return "+44" + national if phonenumbers.is_valid_number(number) else None
    return parsed_e164(cleaned, region)


def parsed_e164(cleaned: str, region: str = DEFAULT_REGION) -> str | None:
    """to_e164 by phonenumbers' parser alone, whatever the number's form."""
    try:
        parsed = phonenumbers.parse(cleaned, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mask(raw: str | None) -> str | None:
    """A number safe to log: only the last three digits survive."""
    if not raw:
        return raw
    digits = [c for c in raw if c.isdigit()]
    return "*" * max(len(digits) - 3, 0) + "".join(digits[-3:])
