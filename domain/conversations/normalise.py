"""One canonical spelling of an inbound text, which the keyword rules and the classifier read."""

from __future__ import annotations

import re
import unicodedata

MAX_CHARS = 2_000  # texts are short; a huge body is truncated before any work on it

TEXT_SPEAK = {
    "pls": "please", "plz": "please", "plse": "please",
    "txt": "text", "txts": "texts", "txting": "texting", "txtin": "texting",
    "u": "you", "ur": "your", "msg": "message", "msgs": "messages",
    "thx": "thanks", "ty": "thank you", "tmrw": "tomorrow", "tmr": "tomorrow",
    "tomoz": "tomorrow", "2moro": "tomorrow", "2morrow": "tomorrow",
}

_APOSTROPHES = re.compile(r"(?<=\w)['\u2019](?=\w)")  # "don't" -> "dont": one word, not two
_TIME_DOT = re.compile(r"(?<=\d)\.(?=\d\d\b)")  # "5.30" is a British "5:30"
# Letters and digits, or a colon or slash between digits ("5:30", "12/06"); anything else
# separates words.
_NOT_KEPT = re.compile(r"(?:(?<!\d)[:/]|[:/](?!\d)|[^\w:/]|_)+")
_REPEATED = re.compile(r"\b(\w+)(?: \1\b)+")


def normalise(text: str | None) -> str:
    """Lower-case words separated by single spaces, with no accents, emoji or punctuation."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text[:MAX_CHARS]).casefold()
    text = "".join(_plain(char) for char in unicodedata.normalize("NFKD", text))
    text = _TIME_DOT.sub(":", _APOSTROPHES.sub("", text))
    words = _NOT_KEPT.sub(" ", text).split()
    return _REPEATED.sub(r"\1", " ".join(TEXT_SPEAK.get(word, word) for word in words))


def _plain(char: str) -> str:
    """The character without its accent or, if it is invisible, a space or nothing."""
    if char.isspace():
        return " "
    category = unicodedata.category(char)
    # Control and zero-width characters inside a word ("st\u200bop") are dropped, not spaced.
    return "" if category == "Mn" or category[0] == "C" else char
