"""The password policy every password a person sets must meet, and temporary passwords."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.text import NUL_REFUSED, has_nul

MIN_PASSWORD_LENGTH = 10
# argon2 hashes whatever it is given: a megabyte "password" would cost the server, not the
# guesser.
MAX_PASSWORD_LENGTH = 256
TEMPORARY_PASSWORD_LIFETIME = timedelta(hours=24)


@dataclass(frozen=True)
class PasswordPolicy:
    """At least ``min_length`` characters, at most MAX_PASSWORD_LENGTH, not one of the
    ``common`` passwords (compared lower-cased, spaces around ignored) and not the
    account's own e-mail or name."""

    common: Collection[str]
    min_length: int = MIN_PASSWORD_LENGTH

    def problems(self, password: str, *, email: str = "", name: str = "") -> list[str]:
        """What is wrong with this password, each problem once (empty: it is good)."""
        found = []
        if len(password) < self.min_length:
            found.append(f"password must be at least {self.min_length} characters")
        if len(password) > MAX_PASSWORD_LENGTH:
            found.append(f"password must be at most {MAX_PASSWORD_LENGTH} characters")
        if has_nul(password):
            found.append(f"password {NUL_REFUSED}")
        plain = password.strip().lower()
        if plain in self.common:
            found.append("password is one of the most common passwords; choose another")
        elif plain and plain in _own_words(email, name):
            found.append("password must not be the account's e-mail or name")
        return found

    def describe(self) -> str:
        return (f"at least {self.min_length} characters, not a common password, not the "
                "account's e-mail or name")


def _own_words(email: str, name: str) -> set[str]:
    email = email.strip().lower()
    return {w for w in (email, email.partition("@")[0], name.strip().lower(),
                        name.replace(" ", "").strip().lower()) if w}


@dataclass(frozen=True, slots=True)
class TemporaryPassword:
    """A password an admin's reset gave: until ``expires_at``, a login with it opens a
    session that may only choose a password of the holder's own (changePassword)."""

    password: str
    expires_at: datetime


def temporary_expiry(at: datetime) -> datetime:
    return at + TEMPORARY_PASSWORD_LIFETIME
