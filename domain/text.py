"""Free text as the rules accept it before it is stored.

PostgreSQL's ``text`` and ``jsonb`` cannot hold U+0000: a NUL that reached an insert
would fail it as a server error, so the rules refuse it first, naming the field.
"""

from __future__ import annotations

NUL = "\x00"
NUL_REFUSED = "must not contain the NUL character (U+0000)"


def has_nul(text: str | None) -> bool:
    return text is not None and NUL in text


def is_encodable(text: str) -> bool:
    """False for a lone surrogate (a JSON escape like \\ud800 gives one): no UTF-8 holds it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def nul_paths(value: object, path: str = "$") -> list[str]:
    """Where a JSON-like value holds a NUL, in a key or a string, in document order."""
    if isinstance(value, str):
        return [path] if NUL in value else []
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            inner = f"{path}.{key}" if path != "$" else str(key)
            found += [inner] if has_nul(str(key)) else nul_paths(item, inner)
        return found
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in nul_paths(item, f"{path}[{i}]")]
    return []
