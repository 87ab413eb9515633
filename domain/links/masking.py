"""Link tokens in message text: what is kept shows each link by its id, never its token.

A message carrying ``https://host/l/<token>`` is sent as it is and kept as
``https://host/l/[link <id>]``: people can still see that a link went and which one, but
nothing kept can be redeemed. Pure: text in, text out.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# Anything shaped like a token (tokens.mint: 32 + "." + 22 url-safe characters), wherever it
# stands, even inside a longer word: every substring redeemMagicLink could accept is masked.
# A percent-encoded dot is one too, since the main app decodes its query string.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}(?:\.|%2[Ee])[A-Za-z0-9_-]{22}")
_PLACEHOLDER = re.compile(r"\[link(?: ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}"
                          r"-[0-9a-f]{12}))?\]")
# For a database's own regular expressions (a superset filter: Python does the exact work).
TOKEN_SQL_PATTERN = r"[A-Za-z0-9_-]{32}(\.|%2[Ee])[A-Za-z0-9_-]{22}"


@dataclass(frozen=True, slots=True)
class CarriedLink:
    """A link a message carries: its id (kept) and its token (sent, never kept or shown)."""

    link_id: uuid.UUID
    token: str = field(repr=False)


def placeholder(link_id: uuid.UUID | None) -> str:
    """What stands for a token: ``[link <id>]``, or ``[link]`` when the link is not known."""
    return f"[link {link_id}]" if link_id else "[link]"


def _plain(token: str) -> str:
    return re.sub(r"%2[Ee]", ".", token)


def stored_form(text: str, links: Iterable[CarriedLink] = ()) -> str:
    """The text as it may be kept or shown: every token masked, by its link's id if known."""
    ids = {link.token: link.link_id for link in links}
    return _TOKEN.sub(lambda m: placeholder(ids.get(_plain(m.group(0)))), text)


def tokens_in(text: str) -> list[str]:
    """The token-shaped strings in the text, as they would be redeemed."""
    return [_plain(m.group(0)) for m in _TOKEN.finditer(text)]


def masked_links(text: str) -> list[uuid.UUID | None]:
    """The links a kept text stands for, in order; None for a ``[link]`` of unknown id."""
    return [uuid.UUID(m.group(1)) if m.group(1) else None for m in _PLACEHOLDER.finditer(text)]


def with_tokens(text: str, renewed: Mapping[uuid.UUID, CarriedLink]) -> str | None:
    """A kept text made sendable again, each ``[link <id>]`` given ``renewed[id]``'s token;
    None when a placeholder has no renewal (the text could only go with a dead link)."""
    if any(link_id not in renewed for link_id in masked_links(text)):
        return None
    return _PLACEHOLDER.sub(lambda m: renewed[uuid.UUID(m.group(1))].token, text)
