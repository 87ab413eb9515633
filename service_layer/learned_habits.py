"""What the active learning snapshot says of users (contactProfile), and the snapshots."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.learning.profile import ContactProfile, contact_profile
from domain.learning.reads import LearningReads, SnapshotSummary
from domain.learning.segments import contact_segment
from domain.learning.snapshot import UserFacts
from domain.scoring.engine import uk_date


@dataclass(frozen=True)
class LearnedHabits:
    reads: LearningReads
    clock: Callable[[], datetime]

    async def profiles(self, user_ids: Sequence[int], facts: Mapping[int, UserFacts]
                       ) -> dict[int, ContactProfile]:
        """Each user's profile in the active snapshot, in one read; ``facts``: the replica's
        of the users it knows (a user with neither facts nor a row of their own has none)."""
        today = uk_date(self.clock())
        segments = {u: contact_segment(f.date_of_birth, f.post_code, today)
                    for u, f in facts.items()}
        active = await self.reads.active(user_ids, sorted(set(segments.values())))
        if active is None:
            return {}
        found = {u: contact_profile(active, u, segments.get(u)) for u in user_ids}
        return {u: p for u, p in found.items() if p is not None}

    async def snapshots(self) -> list[SnapshotSummary]:
        """Newest first."""
        return await self.reads.snapshots()

    async def snapshot(self, version: int) -> SnapshotSummary | None:
        return await self.reads.snapshot(version)
