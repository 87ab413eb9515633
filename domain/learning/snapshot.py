"""One learning run's estimates, as a snapshot rule sets refer to by version."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from domain.learning.channels import ChannelPreference, learn_channels
from domain.learning.channels import Counts as ChannelCounts
from domain.learning.contact_windows import ContactModel, Counts, Window, best_window, learn_contact
from domain.learning.segments import contact_segment


@dataclass(frozen=True, slots=True)
class UserFacts:
    """What segments a user: from the replica."""

    date_of_birth: date | None
    post_code: str | None


@dataclass(frozen=True, slots=True)
class Learned:
    contact: ContactModel
    windows: dict[int, Window]  # users with calls of their own
    channels: dict[int, ChannelPreference]
    segment_of: dict[int, str]


def learn(calls: Mapping[int, Mapping[int, Counts]], call_totals: Mapping[int, ChannelCounts],
          texts: Mapping[int, ChannelCounts], users: Mapping[int, UserFacts],
          today: date) -> Learned:
    """Every estimate of a run from the history it read (users unknown to the replica are
    pooled with everyone)."""
    segment_of = {u: contact_segment(f.date_of_birth, f.post_code, today)
                  for u, f in users.items()}
    contact = learn_contact(calls, segment_of)
    windows = {u: best_window(rates) for u, rates in contact.users.items()}
    return Learned(contact, windows, learn_channels(call_totals, texts), segment_of)
