"""When a rebuild may keep a user's entry (or absence) as it stands without reading their facts.

A rebuild keeps, for every user it builds, a digest of what the build rested on: the
replica's rows of the user (as the adapter reads them), the dialler's own facts of them and
the rules that scored them. While that digest is the same and time has not reached the
entry's next change, building the user again gives exactly what stands, so a rebuild skips
them. Every other writer of a user's entry forgets the user's digest, so a skipped user is
always one whose entry the rebuild itself built from those very inputs.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from domain.queue.builder import RulesForUser, ScoringChoice
from domain.queue.model import QueueEntry

# Raised whenever a release changes what the same facts and rules give (placement, scoring,
# phone rules): every digest kept before then stops matching, so the next rebuild builds all.
INPUTS_VERSION = 2


@dataclass(frozen=True, slots=True)
class InputsSeen:
    """What a user's entry was last built from: its digest, when, and until when it holds."""

    digest: int
    at: datetime
    good_until: datetime | None  # the entry's next change by time (None: none)


def inputs_digest(replica: int, dialler: int, choice: ScoringChoice) -> int:
    """One number for a build's inputs; a tuple of ints hashes the same in every process."""
    arm = zlib.crc32(choice.arm.encode()) if choice.arm is not None else -1
    snapshot = choice.snapshot if choice.snapshot is not None else -1
    return hash((INPUTS_VERSION, replica, dialler, choice.version, arm, snapshot))


def holds(seen: InputsSeen | None, digest: int, now: datetime) -> bool:
    """Whether what was built from ``seen`` is what building from ``digest`` gives at ``now``."""
    return (seen is not None and seen.digest == digest and seen.at <= now
            and (seen.good_until is None or now < seen.good_until))


def kept_users(replica: Mapping[int, int], dialler: Mapping[int, int],
               seen: Mapping[int, InputsSeen], rules_for: RulesForUser,
               now: datetime) -> set[int]:
    """The users of ``replica`` (each one's replica digest) whose entry stands as built;
    ``dialler``: each user's dialler digest (absent: none of the dialler's own facts)."""
    return {user_id for user_id, digest in replica.items()
            if holds(seen.get(user_id),
                     inputs_digest(digest, dialler.get(user_id, 0), rules_for(user_id)), now)}


def to_build(replica: Iterable[int], seen: Iterable[int], unseen_entries: Iterable[int],
             kept: set[int]) -> set[int]:
    """Everyone a rebuild must build: in the replica, seen before, or holding an entry no
    digest stands for (an entry of a user gone from the replica is removed by building)."""
    return (set(replica) | set(seen) | set(unseen_entries)) - kept


def seen_now(replica: Mapping[int, int], dialler: Mapping[int, int],
             after: Mapping[int, QueueEntry], rules_for: RulesForUser,
             now: datetime) -> dict[int, InputsSeen]:
    """What to keep for the users just built (``replica``: their digests from the very rows
    they were built from; ``after``: their entries, absent when in no queue)."""
    return {user_id: InputsSeen(
        inputs_digest(digest, dialler.get(user_id, 0), rules_for(user_id)), now,
        after[user_id].next_change_at if user_id in after else None)
        for user_id, digest in replica.items()}
