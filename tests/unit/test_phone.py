"""to_e164's shortcut for numbers written the common UK way gives what parsing gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.users.phone import parsed_e164, to_e164
from infrastructure.replica.synthetic import Draw, phone_number

PREFIXES = ["+44", "0", "44", "0044", "+440", "", "+353", "00", "+", "(0)", "+44 (0)"]
SEPARATORS = ["", "", " ", "-", "  ", "--", " - ", ".", "/"]


@st.composite
def written_numbers(draw) -> str:
    """Numbers as people write them: the shortcut's forms, and their near misses."""
    digits = draw(st.text("0123456789", min_size=8, max_size=12))
    if draw(st.booleans()):  # most real numbers: a valid-looking first digit
        digits = draw(st.sampled_from("1235789")) + digits[1:]
    if draw(st.integers(0, 9)) == 0:
        digits = "180020" + digits[6:]  # the national prefix the plan also strips
    text = draw(st.sampled_from(PREFIXES))
    for digit in digits:
        text += draw(st.sampled_from(SEPARATORS)) + digit
    return draw(st.sampled_from(["", " ", "  "])) + text + draw(st.sampled_from(["", " "]))


def slow(raw: str) -> str | None:
    cleaned = raw.strip()
    cleaned = cleaned.replace("(0)", "0", 1) if cleaned.startswith("(0)") else cleaned
    return parsed_e164(cleaned) if cleaned else None


@settings(max_examples=3000, deadline=None)
@given(written_numbers())
def test_the_shortcut_gives_what_parsing_gives(raw):
    assert to_e164(raw) == slow(raw), raw


def test_every_synthetic_number_the_same_both_ways():
    numbers = [phone_number(Draw(f"phones:{n}")) for n in range(20_000)]
    numbers = [n for n in numbers if n]
    assert sum(1 for n in numbers if to_e164(n)) > len(numbers) // 2  # the shortcut is used
    assert [to_e164(n) for n in numbers] == [slow(n) for n in numbers]


def test_a_valid_mobile_and_an_invalid_one():
    assert to_e164("07911 123456") == "+447911123456"
    assert to_e164("+44 7911-123456") == "+447911123456"
    assert to_e164("07700 900123") is None  # Ofcom's drama range
    assert to_e164("+353 83 7298631") == "+353837298631"  # not the shortcut's
