"""Link tokens: random, HMAC-signed, stored only as a hash. Pure: the key is passed in."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

_KEY_LABEL = b"rmc-dialler magic links v1"
_RANDOM_BYTES = 24  # 192 bits: 32 url-safe characters
_SIGNATURE_BYTES = 16  # HMAC-SHA256 truncated to 128 bits: 22 characters
_RANDOM_CHARS, _SIGNATURE_CHARS = 32, 22
_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def derive_key(secret: str) -> bytes:
    """A key for links only, so a link signature can never stand in for a JWT's."""
    return hmac.new(secret.encode(), _KEY_LABEL, hashlib.sha256).digest()


def _signature(key: bytes, random_part: str) -> str:
    digest = hmac.new(key, random_part.encode(), hashlib.sha256).digest()[:_SIGNATURE_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def mint(key: bytes) -> str:
    """A fresh token: ``<random>.<signature>``, safe in a URL path."""
    random_part = secrets.token_urlsafe(_RANDOM_BYTES)
    return f"{random_part}.{_signature(key, random_part)}"


def is_authentic(key: bytes, token: str) -> bool:
    """True when the token is well formed and signed with ``key`` (constant-time compare)."""
    if not isinstance(token, str) or len(token) != _RANDOM_CHARS + 1 + _SIGNATURE_CHARS:
        return False
    random_part, dot, signature = token.partition(".")
    if not dot or len(random_part) != _RANDOM_CHARS or not set(random_part) <= _ALPHABET:
        return False
    return hmac.compare_digest(signature, _signature(key, random_part))


def is_authentic_with_any(keys: tuple[bytes, ...], token: str) -> bool:
    """Signed with one of ``keys`` (the current key and those rotated out but still
    accepted)."""
    return any(is_authentic(key, token) for key in keys)


def token_hash(token: str) -> str:
    """What the database keeps instead of the token: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()
