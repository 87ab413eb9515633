"""Link tokens in message text: kept masked by link id, made sendable again with successors."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.links import tokens
from domain.links.masking import (
    CarriedLink,
    masked_links,
    placeholder,
    stored_form,
    tokens_in,
    with_tokens,
)
from domain.links.model import Purpose, link_url, sms_body
from infrastructure.logging import redact_text

KEY = tokens.derive_key("k" * 40)
BASE = "https://api.example"


def _carried() -> CarriedLink:
    return CarriedLink(uuid.uuid4(), tokens.mint(KEY))


def test_a_carried_link_is_kept_by_its_id_and_its_token_is_gone():
    link = _carried()
    body = sms_body(Purpose.SIGN, link_url(BASE, link.token), 24)
    kept = stored_form(body, [link])
    assert kept == body.replace(link.token, f"[link {link.link_id}]")
    assert f"{BASE}/l/[link {link.link_id}]" in kept
    assert link.token not in kept and link.token.split(".")[0] not in kept
    assert masked_links(kept) == [link.link_id]
    assert link.token not in repr(link)  # a logged CarriedLink shows no token


def test_any_token_shaped_text_is_masked_even_unknown_or_inside_a_word():
    known, stranger = _carried(), tokens.mint(KEY)
    text = (f"see {BASE}/l/{known.token} or https://app.example/sign?token={stranger} "
            f"and x{stranger}y, also {stranger.replace('.', '%2E')}")
    kept = stored_form(text, [known])
    assert tokens_in(kept) == []
    assert kept.count("[link]") == 3 and f"[link {known.link_id}]" in kept
    assert tokens_in(text) == [known.token, stranger, stranger, stranger]


_FRAGMENTS = st.text(alphabet="ABCXYZabcxyz0189-_. %2Ee", max_size=40)


@given(st.lists(st.one_of(_FRAGMENTS, st.builds(tokens.mint, st.just(KEY))), max_size=8))
def test_nothing_redeemable_survives_masking(parts):
    kept = stored_form("".join(parts))
    assert tokens_in(kept) == []
    # What redeemMagicLink accepts: exactly 32 + "." + 22 url-safe characters, anywhere.
    for at in (i for i, c in enumerate(kept) if c == "."):
        assert not tokens.is_authentic(KEY, kept[max(0, at - 32):at + 23])


def test_ordinary_text_is_left_alone():
    text = "Hi Amelia, call us on 0113 496 0000 or see https://rmc.example/faq. Reply STOP."
    assert stored_form(text) == text and masked_links(text) == []
    assert with_tokens(text, {}) == text


def test_a_kept_text_is_made_sendable_with_the_successors_tokens():
    first, second = _carried(), _carried()
    kept = stored_form(f"{BASE}/l/{first.token} and {BASE}/l/{second.token}", [first, second])
    new_first, new_second = _carried(), _carried()
    sendable = with_tokens(kept, {first.link_id: new_first, second.link_id: new_second})
    assert sendable == f"{BASE}/l/{new_first.token} and {BASE}/l/{new_second.token}"
    assert stored_form(sendable, [new_first, new_second]) == (
        f"{BASE}/l/{placeholder(new_first.link_id)} and {BASE}/l/{placeholder(new_second.link_id)}")


# A fixed id: parametrised ids must be the same in every pytest-xdist worker.
@pytest.mark.parametrize("kept", [f"{BASE}/l/[link]",
                                  f"{BASE}/l/[link 6c68f7b7-cd0c-4547-9674-2067d8283c23]"])
def test_a_text_whose_link_cannot_be_renewed_is_not_sendable(kept):
    assert with_tokens(kept, {uuid.uuid4(): _carried()}) is None


def test_logs_never_show_a_link_token():
    token = tokens.mint(KEY)
    line = redact_text(f"GET /l/{token} answered 303")
    assert token not in line and tokens_in(line) == [] and "/l/[link]" in line
