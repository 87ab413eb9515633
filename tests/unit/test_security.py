"""Tokens and password hashes (no I/O)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from domain.agents.model import Role
from domain.agents.ports import InvalidToken
from domain.agents.sessions import Principal
from infrastructure.security.passwords import Argon2PasswordHasher
from infrastructure.security.tokens import JwtTokenService

SECRET = "s" * 48


def test_tokens_round_trip():
    tokens = JwtTokenService(SECRET, timedelta(hours=1))
    principal = Principal(uuid.uuid4(), Role.ADMIN, uuid.uuid4())
    issued = tokens.issue(principal)
    assert tokens.verify(issued.token) == principal
    assert issued.expires_at > datetime.now(UTC)


def test_expired_tokens_are_refused_with_their_own_code():
    past = datetime.now(UTC) - timedelta(hours=3)
    tokens = JwtTokenService(SECRET, timedelta(hours=1), clock=lambda: past)
    token = tokens.issue(Principal(uuid.uuid4(), Role.AGENT)).token
    with pytest.raises(InvalidToken) as caught:
        tokens.verify(token)
    assert caught.value.code == "TOKEN_EXPIRED"


@pytest.mark.parametrize("forge", [
    lambda p: jwt.encode(p, "another secret of enough length 12345678", algorithm="HS256"),
    lambda p: jwt.encode(p, None, algorithm="none"),
    lambda p: "not.a.token",
    lambda p: jwt.encode({**p, "role": "OVERLORD"}, SECRET, algorithm="HS256"),
])
def test_forged_tokens_are_refused(forge):
    now = int(datetime.now(UTC).timestamp())
    payload = {"sub": str(uuid.uuid4()), "role": "ADMIN", "iss": "rmc-dialler", "iat": now,
               "exp": now + 600}
    with pytest.raises(InvalidToken) as caught:
        JwtTokenService(SECRET, timedelta(hours=1)).verify(forge(payload))
    assert caught.value.code == "INVALID_TOKEN"


def test_passwords_hash_with_argon2id_and_verify():
    hasher = Argon2PasswordHasher()
    stored = hasher.hash("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert hasher.verify(stored, "correct horse battery")
    assert not hasher.verify(stored, "wrong")
    assert not hasher.verify(None, "anything")
    assert not hasher.verify("garbage", "anything")
