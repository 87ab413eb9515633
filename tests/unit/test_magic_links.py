"""Pure rules of magic links: signing, tampering, hashing, states, URLs and addresses."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from domain.links import tokens
from domain.links.model import (
    Channel,
    Invalidity,
    LinkState,
    MagicLink,
    Purpose,
    app_url,
    email_content,
    invalidity,
    link_url,
    looks_like_email,
    mask_email,
    sms_body,
)

KEY = tokens.derive_key("k" * 40)
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def _flip(text: str, index: int) -> str:
    swapped = "A" if text[index] != "A" else "B"
    return text[:index] + swapped + text[index + 1:]


def test_minted_tokens_are_authentic_url_safe_and_distinct():
    minted = {tokens.mint(KEY) for _ in range(200)}
    assert len(minted) == 200
    for token in minted:
        assert tokens.is_authentic(KEY, token)
        assert len(token) == 55 and set(token) <= set(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


def test_a_changed_character_anywhere_is_refused():
    token = tokens.mint(KEY)
    for index in (0, 15, 31, 33, 54):
        assert not tokens.is_authentic(KEY, _flip(token, index))


def test_another_key_or_a_malformed_token_is_refused():
    token = tokens.mint(KEY)
    assert not tokens.is_authentic(tokens.derive_key("z" * 40), token)
    random_part, _, signature = token.partition(".")
    for bad in ("", ".", token + "x", token[:-1], random_part + signature + ".",
                f"{random_part}!{signature}", f"{random_part[:-1]}+.{signature}", None, 42):
        assert not tokens.is_authentic(KEY, bad)


def test_links_signed_with_a_rotated_out_key_open_while_it_is_still_accepted():
    old, new = tokens.derive_key("o" * 40), tokens.derive_key("n" * 40)
    sent = tokens.mint(old)
    assert tokens.is_authentic_with_any((new, old), sent)
    assert not tokens.is_authentic_with_any((new,), sent)


def test_the_link_key_is_not_the_jwt_secret_itself():
    secret = "k" * 40
    assert tokens.derive_key(secret) != secret.encode()
    assert len(tokens.derive_key(secret)) == 32
    assert tokens.derive_key(secret) == KEY  # deterministic: links survive a restart


def test_only_the_sha256_of_a_token_is_kept():
    token = tokens.mint(KEY)
    assert tokens.token_hash(token) == hashlib.sha256(token.encode()).hexdigest()
    assert token not in tokens.token_hash(token)


def _link(**changes) -> MagicLink:
    base = dict(id=uuid.uuid4(), user_id=7, purpose=Purpose.SIGN, channel=Channel.SMS,
                sent_at=NOW, expires_at=NOW + timedelta(hours=24))
    return MagicLink(**{**base, **changes})


def test_states_active_expired_used():
    link = _link()
    assert link.state(NOW) is LinkState.ACTIVE
    assert link.state(NOW + timedelta(hours=24)) is LinkState.EXPIRED
    used = _link(used_at=NOW + timedelta(hours=1))
    assert used.state(NOW + timedelta(hours=2)) is LinkState.USED
    assert used.state(NOW + timedelta(days=3)) is LinkState.USED  # used wins over expired
    assert invalidity(LinkState.ACTIVE) is None
    assert invalidity(LinkState.USED) is Invalidity.USED
    assert invalidity(LinkState.EXPIRED) is Invalidity.EXPIRED


def test_a_revoked_link_has_expired_early_unless_it_was_used():
    # The main app's contract knows EXPIRED, USED and UNKNOWN: revoked reads as expired.
    revoked = _link(revoked_at=NOW + timedelta(minutes=5))
    assert revoked.state(NOW + timedelta(minutes=10)) is LinkState.EXPIRED
    assert invalidity(revoked.state(NOW)) is Invalidity.EXPIRED
    used = _link(used_at=NOW + timedelta(minutes=1), revoked_at=NOW + timedelta(minutes=5))
    assert used.state(NOW + timedelta(minutes=10)) is LinkState.USED


@pytest.mark.parametrize(("purpose", "path"), [(Purpose.SIGN, "/sign"),
                                               (Purpose.UPLOAD_DOCUMENTS, "/documents/upload"),
                                               (Purpose.VIEW_CLAIM, "/claims")])
def test_each_purpose_lands_on_its_page_with_the_token(purpose, path):
    token = tokens.mint(KEY)
    assert app_url("https://app.example/", purpose, token) == \
        f"https://app.example{path}?token={token}"


def test_messages_carry_the_link_and_its_lifetime():
    url = link_url("https://api.example/", "tok")
    assert url == "https://api.example/l/tok"
    assert url in sms_body(Purpose.SIGN, url, 24) and "24 hours" in sms_body(Purpose.SIGN, url, 24)
    subject, body = email_content(Purpose.UPLOAD_DOCUMENTS, url, 24)
    assert "Upload" in subject and url in body and "24 hours" in body


def test_email_addresses():
    for good in ("amelia@example.com", " a.b+c@mail.example.co.uk "):
        assert looks_like_email(good)
    for bad in (None, "", "amelia", "amelia@", "@example.com", "amelia@localhost",
                "a b@example.com", "a@b@example.com"):
        assert not looks_like_email(bad)
    assert mask_email("amelia@example.com") == "a***@example.com"


def test_a_placeholder_or_short_link_secret_is_refused(monkeypatch):
    from pydantic import ValidationError

    from infrastructure.settings import Settings

    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1/dialler")
    monkeypatch.setenv("JWT_SECRET", "j" * 40)
    for bad in ("change-me", "short"):
        monkeypatch.setenv("MAGIC_LINK_SECRET", bad)
        with pytest.raises(ValidationError, match="MAGIC_LINK_SECRET"):
            Settings(_env_file=None)
    monkeypatch.setenv("MAGIC_LINK_SECRET", "m" * 40)
    assert Settings(_env_file=None).magic_link_secret.get_secret_value() == "m" * 40
    monkeypatch.setenv("MAGIC_LINK_SECRET", "")
    assert Settings(_env_file=None).magic_link_secret is None  # unset: derived from JWT_SECRET
