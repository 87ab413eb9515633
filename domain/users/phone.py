"""Phone numbers as users type them, normalised to E.164 for dialling."""

from __future__ import annotations

import phonenumbers

DEFAULT_REGION = "GB"


def to_e164(raw: str | None, region: str = DEFAULT_REGION) -> str | None:
    """The number in E.164, or None when it is not a valid, dialable number."""
    if not raw or not raw.strip():
        return None
    # "(0)7700-900123" is a common UK way of writing the trunk prefix.
    cleaned = raw.strip().replace("(0)", "0", 1) if raw.strip().startswith("(0)") else raw.strip()
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
