"""One learning run's estimates, as a snapshot rule sets refer to by version."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from domain.learning.channels import ChannelPreference, learn_channels
from domain.learning.channels import Counts as ChannelCounts
from domain.learning.contact_windows import ContactModel, Counts, Window, best_window, learn_contact
from domain.learning.conversions import (
    AgentKey,
    AgentRate,
    ConversionCounts,
    SegmentRates,
    learn_agents,
    learn_segments,
)
from domain.learning.segments import OpenClaims, Segment, contact_segment_of, conversion_key
from domain.learning.spacing import GapRate, SpacingCounts, learn_spacing


@dataclass(frozen=True, slots=True)
class UserFacts:
    """What segments a user: from the replica."""

    date_of_birth: date | None
    post_code: str | None
    open_claims: OpenClaims = ()  # (lender, created_at) of each open claim


@dataclass(frozen=True, slots=True)
class Learned:
    contact: ContactModel
    windows: dict[int, Window]  # users with calls of their own
    channels: dict[int, ChannelPreference]
    segment_of: dict[int, str]
    conversions: SegmentRates = field(default_factory=lambda: SegmentRates({}, {}))
    agents: dict[AgentKey, AgentRate] = field(default_factory=dict)
    spacing: dict[int, GapRate] = field(default_factory=dict)  # by gap after a missed call


def conversion_segments(users: Mapping[int, UserFacts], today: date) -> dict[int, Segment]:
    """Each user's conversion segment (domain.learning.segments.conversion_key)."""
    return {u: conversion_key(f.date_of_birth, f.post_code, f.open_claims, today)
            for u, f in users.items()}


def learn(calls: Mapping[int, Mapping[int, Counts]], call_totals: Mapping[int, ChannelCounts],
          texts: Mapping[int, ChannelCounts], segments: Mapping[int, Segment],
          converted: ConversionCounts | None = None,
          after_misses: SpacingCounts | None = None) -> Learned:
    """Every estimate of a run from the history it read; ``segments``: each user's
    (conversion_segments; users unknown to the replica are pooled with everyone);
    ``after_misses``: the calls that followed a missed call, by gap."""
    segment_of = {u: contact_segment_of(s) for u, s in segments.items()}
    contact = learn_contact(calls, segment_of)
    windows = {u: best_window(rates) for u, rates in contact.users.items()}
    converted = converted or ConversionCounts()
    return Learned(contact, windows, learn_channels(call_totals, texts), segment_of,
                   learn_segments(converted.segments), learn_agents(converted.agents),
                   learn_spacing(after_misses or {}, contact, segment_of))
