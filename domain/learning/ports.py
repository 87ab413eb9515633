"""What a learning run reads and where its snapshot goes."""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from domain.calls.outcomes import CallOutcome
from domain.learning.channels import Counts as ChannelCounts
from domain.learning.contact_windows import Counts
from domain.learning.conversions import ConversionCounts
from domain.learning.segments import Segment
from domain.learning.snapshot import Learned
from domain.learning.spacing import SpacingCounts


@dataclass(frozen=True, slots=True)
class CallAndTextCounts:
    by_hour: dict[int, dict[int, Counts]]  # user → London hour → (contacts, attempts)
    calls: dict[int, ChannelCounts]  # user → (answered, calls)
    texts: dict[int, ChannelCounts]  # user → (replied, texts)
    # calls that followed a missed call: (user, London hour, gap) → (contacts, calls)
    after_misses: SpacingCounts = field(default_factory=dict)


class LearningStore(abc.ABC):
    @abc.abstractmethod
    async def counts(self, not_reached: Sequence[CallOutcome]) -> CallAndTextCounts:
        """Every outbound call and text so far, counted per user (the dialler's own and
        imported alike); a call with an outcome in ``not_reached`` reached nobody. The calls
        that followed a missed call are counted by gap (domain.learning.spacing)."""

    @abc.abstractmethod
    async def conversions(self, not_reached: Sequence[CallOutcome],
                          segments: Mapping[int, Segment]) -> ConversionCounts:
        """Users worked (reached by an outbound call in a queue) and converted (credited to
        that queue, or to that agent there), counted per segment of ``segments`` (users it
        lacks: every part unknown) and per agent and lender."""

    @abc.abstractmethod
    async def save(self, learned: Learned, figures: dict, now: datetime) -> int:
        """Stores the snapshot and makes it the active one, all at once; its version."""
