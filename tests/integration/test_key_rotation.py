"""Rotating JWT_SECRET (and with it the link key it derives) through the settings: the
composition root hands the previous secret to the verifiers, so nobody is logged out and
no link already sent stops working."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from domain.agents.model import Role
from domain.agents.ports import InvalidToken
from domain.agents.sessions import Principal
from domain.links import tokens
from domain.links.model import Invalidity
from infrastructure.security.tokens import JwtTokenService
from tests.conftest import TEST_SECRET
from tests.queue_env import NOW, queue_env

pytestmark = pytest.mark.integration
NEW_SECRET = "rotated-" + "n" * 40


async def _sent_link(services, key_secret: str) -> str:
    """A link as one sent before the rotation: signed with that secret's key, on record."""
    link = tokens.mint(tokens.derive_key(key_secret))
    await services.pg.execute(
        "INSERT INTO magic_links (id, token_hash, user_id, purpose, channel, sent_at, "
        "expires_at, click_count) VALUES ($1, $2, 42, 'SIGN', 'SMS', $3, $4, 0)",
        uuid.uuid4(), tokens.token_hash(link), NOW, NOW + timedelta(days=1))
    return link


async def test_tokens_and_links_of_the_previous_secret_still_work_after_a_rotation():
    before = JwtTokenService(TEST_SECRET, timedelta(hours=1))
    principal = Principal(uuid.uuid4(), Role.AGENT, uuid.uuid4())
    token = before.issue(principal).token
    async with queue_env(jwt_secret=NEW_SECRET, jwt_secret_previous=TEST_SECRET) as (
            services, _, clock):
        clock.now = NOW
        assert services.tokens.verify(token) == principal
        with pytest.raises(InvalidToken):  # new tokens are signed with the new secret only
            before.verify(services.tokens.issue(principal).token)
        old_link = await _sent_link(services, TEST_SECRET)
        assert isinstance(await services.magic_links.follow(old_link), str)
        stranger = await _sent_link(services, "some-other-secret-" + "o" * 30)
        assert await services.magic_links.follow(stranger) is Invalidity.UNKNOWN
