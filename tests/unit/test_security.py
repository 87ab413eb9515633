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


def test_a_rotated_secret_still_accepts_the_old_tokens_and_signs_only_with_the_new():
    old = JwtTokenService(SECRET, timedelta(hours=1))
    rotated = JwtTokenService("n" * 48, timedelta(hours=1), previous=(SECRET,))
    principal = Principal(uuid.uuid4(), Role.SUPERVISOR, uuid.uuid4())
    assert rotated.verify(old.issue(principal).token) == principal  # nobody logged out
    fresh = rotated.issue(principal).token
    assert JwtTokenService("n" * 48, timedelta(hours=1)).verify(fresh) == principal
    with pytest.raises(InvalidToken):
        old.verify(fresh)  # signed with the new secret only
    past = datetime.now(UTC) - timedelta(hours=3)
    expired = JwtTokenService(SECRET, timedelta(hours=1), clock=lambda: past)
    with pytest.raises(InvalidToken) as caught:
        rotated.verify(expired.issue(principal).token)
    assert caught.value.code == "TOKEN_EXPIRED"  # the old secret's expiry still holds
    with pytest.raises(InvalidToken) as caught:  # once dropped, the old tokens are refused
        JwtTokenService("n" * 48, timedelta(hours=1)).verify(old.issue(principal).token)
    assert caught.value.code == "INVALID_TOKEN"


def test_a_weak_previous_jwt_secret_is_refused(monkeypatch):
    from pydantic import ValidationError

    from infrastructure.settings import Settings

    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1/dialler")
    monkeypatch.setenv("JWT_SECRET", "j" * 40)
    for bad in ("change-me", "too short"):
        monkeypatch.setenv("JWT_SECRET_PREVIOUS", bad)
        with pytest.raises(ValidationError, match="JWT_SECRET_PREVIOUS"):
            Settings(_env_file=None)
    monkeypatch.setenv("JWT_SECRET_PREVIOUS", "p" * 40)
    assert Settings(_env_file=None).jwt_secret_previous.get_secret_value() == "p" * 40


def test_passwords_hash_with_argon2id_and_verify():
    hasher = Argon2PasswordHasher()
    stored = hasher.hash("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert hasher.verify(stored, "correct horse battery")
    assert not hasher.verify(stored, "wrong")
    assert not hasher.verify(None, "anything")
    assert not hasher.verify("garbage", "anything")
