"""Password hashing with argon2id (blocking: service_layer.passwords runs it in threads)."""

from __future__ import annotations

from argon2 import PasswordHasher as Argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from domain.agents.ports import PasswordHasher


class Argon2PasswordHasher(PasswordHasher):
    def __init__(self, time_cost: int = 2, memory_cost: int = 19_456):
        # OWASP's argon2id minimum (19 MiB, t=2): about 20 ms a verify here.
        self._argon = Argon2(time_cost=time_cost, memory_cost=memory_cost, parallelism=1)
        self._dummy: str | None = None  # made on the first unknown e-mail, not at start-up

    def hash(self, password: str) -> str:
        return self._argon.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        # An unknown e-mail still pays for one verify, so timing does not tell it apart.
        # Threads may race to make the dummy: any of their hashes serves.
        if not password_hash and self._dummy is None:
            self._dummy = self._argon.hash("not-a-real-password")
        try:
            return self._argon.verify(password_hash or self._dummy, password) and bool(
                password_hash)
        # UnicodeEncodeError: a lone surrogate, which no password anyone set can hold.
        except (VerifyMismatchError, VerificationError, InvalidHashError, UnicodeEncodeError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._argon.check_needs_rehash(password_hash)
