"""JWT bearer tokens for agents (HS256)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import jwt

from domain.agents.model import Role
from domain.agents.ports import InvalidToken, TokenService
from domain.agents.sessions import IssuedToken, Principal

ISSUER = "rmc-dialler"


class JwtTokenService(TokenService):
    def __init__(self, secret: str, lifetime: timedelta,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 previous: Sequence[str] = ()):
        """``previous``: secrets rotated out, still accepted (never signed with) so that a
        rotation logs nobody out; drop them once the longest token has expired."""
        self._secret, self._lifetime, self._clock = secret, lifetime, clock
        self._accepted = (secret, *previous)

    @property
    def lifetime(self) -> timedelta:
        return self._lifetime

    def issue(self, principal: Principal) -> IssuedToken:
        now = self._clock()
        expires = now + self._lifetime
        claims = {
            "sub": str(principal.agent_id), "role": principal.role.value, "iss": ISSUER,
            "iat": int(now.timestamp()), "exp": int(expires.timestamp()),
            "sid": str(principal.session_id) if principal.session_id else None,
        }
        token = jwt.encode(claims, self._secret, algorithm="HS256")
        return IssuedToken(token, expires.replace(microsecond=0))

    def verify(self, token: str) -> Principal:
        try:
            claims = self._decode(token)
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("TOKEN_EXPIRED", "the token has expired; log in again") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken("INVALID_TOKEN", "the token is not valid") from exc
        try:
            session = claims.get("sid")
            return Principal(uuid.UUID(claims["sub"]), Role(claims["role"]),
                             uuid.UUID(session) if session else None,
                             datetime.fromtimestamp(claims["exp"], UTC))
        except (ValueError, TypeError, OverflowError, OSError) as exc:
            raise InvalidToken("INVALID_TOKEN", "the token is not valid") from exc

    def _decode(self, token: str) -> dict:
        """The claims under the current secret, else under a previous one."""
        for secret in self._accepted[:-1]:
            try:
                return _decoded(token, secret)
            except jwt.InvalidSignatureError:
                continue
        return _decoded(token, self._accepted[-1])


def _decoded(token: str, secret: str) -> dict:
    return jwt.decode(token, secret, algorithms=["HS256"], issuer=ISSUER,
                      options={"require": ["sub", "exp", "iat", "role"]})
