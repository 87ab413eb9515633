"""What the queues need from storage: replica facts, and the dialler's queue tables."""

from __future__ import annotations

import abc
import uuid
from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.access.rule import CallbackChanger
from domain.errors import ServiceBusy
from domain.queue.builder import RulesForUser
from domain.queue.facts import DiallerFacts, ReplicaFacts
from domain.queue.inputs import InputsSeen
from domain.queue.leads import Lease
from domain.queue.model import QueueChanged, QueueEntry, QueueType


@dataclass(frozen=True)
class Keys:
    """Which users a read covers: an inclusive id range (rebuilds) or a list (incremental)."""

    low: int | None = None
    high: int | None = None
    ids: Sequence[int] | None = None


@dataclass(frozen=True, slots=True)
class PendingCounts:
    """PENDING requirements per claim id, read in one pass for a whole rebuild."""

    by_claim: Mapping[int, int]


@dataclass(frozen=True, slots=True)
class FactsRead:
    """Users' facts and, worked out from the very same rows, each one's replica digest: a
    number that changes whenever anything their facts come from does."""

    facts: dict[int, ReplicaFacts]
    digests: dict[int, int]


class ReplicaFactsSource(abc.ABC):
    @abc.abstractmethod
    async def id_bounds(self) -> tuple[int, int] | None: ...

    @abc.abstractmethod
    async def read(self, keys: Keys, pending: PendingCounts | None = None) -> FactsRead:
        """Facts and digests of these users; ``pending`` (from pending_counts) saves
        reading the requirements again."""

    @abc.abstractmethod
    async def digests(self, keys: Keys, pending: PendingCounts) -> dict[int, int]:
        """Only the digests (FactsRead.digests), cheaper to read than the facts."""

    @abc.abstractmethod
    async def pending_counts(self) -> PendingCounts:
        """Every claim's count of PENDING requirements, in one pass over the replica."""

    async def for_keys(self, keys: Keys) -> dict[int, ReplicaFacts]:
        return (await self.read(keys)).facts


class QueueBusy(ServiceBusy):
    """The users' entries stayed held by other writers past the wait allowed."""


class QueueStore(abc.ABC):
    """The queue tables inside one transaction (QueueStores says what it holds)."""

    @abc.abstractmethod
    async def computed_since_start(self) -> set[int]:
        """Users of this transaction computed by another writer since this one's start
        (QueueStores.begin): their entries may rest on newer facts, so leave them."""

    @abc.abstractmethod
    async def rules(self) -> RulesForUser:
        """The rules each user is scored by, as the database holds them now."""

    @abc.abstractmethod
    async def refresh_phones(self, phones: dict[int, str | None]) -> dict[int, str | None]:
        """Each user's E.164 number (None: undialable), validated once per number."""

    @abc.abstractmethod
    async def dialler_facts(self, keys: Keys, phones: dict[int, str | None],
                            now: datetime) -> dict[int, DiallerFacts]: ...

    @abc.abstractmethod
    async def current_entries(self, keys: Keys) -> dict[int, QueueEntry]: ...

    @abc.abstractmethod
    async def write_changes(self, before: dict[int, QueueEntry], after: dict[int, QueueEntry],
                            changes: list[QueueChanged]) -> int: ...

    @abc.abstractmethod
    async def inputs_seen(self, keys: Keys) -> dict[int, InputsSeen]:
        """What each user's entry was last built from by a rebuild (domain.queue.inputs)."""

    @abc.abstractmethod
    async def dialler_digests(self, keys: Keys, now: datetime) -> dict[int, int]:
        """For each user with any of the dialler's own facts at ``now`` (the facts
        dialler_facts reads), a number that changes whenever those facts do."""

    @abc.abstractmethod
    async def unseen_entries(self, keys: Keys) -> set[int]:
        """Users holding an entry with nothing kept of what it was built from."""

    @abc.abstractmethod
    async def keep_inputs(self, seen: Mapping[int, InputsSeen], forgotten: Sequence[int]
                          ) -> None:
        """Keeps what these users' entries were just built from; forgets the others'."""

    @abc.abstractmethod
    async def owe(self, user_ids: Sequence[int], now: datetime) -> None:
        """These users' queue update is owed: the sweep of owed updates recomputes them."""


class RangeStore(QueueStore):
    """A rebuild's transaction over one range of user ids."""

    @abc.abstractmethod
    async def superseded(self) -> bool:
        """True when a rebuild that started later has already written this range."""


class QueueStores(abc.ABC):
    range_size: int  # a rebuild's ranges start at multiples of it

    @abc.abstractmethod
    async def begin(self) -> int:
        """A writer's start, taken before it reads any replica fact: its place in time."""

    @abc.abstractmethod
    def for_users(self, user_ids: Sequence[int], started: int, *, fresh_facts: bool = True
                  ) -> AbstractAsyncContextManager[QueueStore]:
        """A transaction holding these users against every other writer of them;
        committed when the block ends cleanly. Raises QueueBusy when they stay held by
        others. Users of different ids never wait for each other, except while a
        rebuild writes their range; what their entries were built from is forgotten
        (domain.queue.inputs). ``fresh_facts``: the writer reads their facts afresh,
        so a queue update owed to them is settled by it (a rescore from the facts kept
        with their entries settles none)."""

    @abc.abstractmethod
    def for_range(self, keys: Keys, started: int) -> AbstractAsyncContextManager[RangeStore]:
        """A transaction holding a range (``keys.low`` a multiple of range_size) against
        incremental writers while a rebuild writes it."""

    @abc.abstractmethod
    def reading(self) -> AbstractAsyncContextManager[QueueStore]:
        """A transaction that holds nothing, for reads (only the phone cache is written)."""

    @abc.abstractmethod
    async def ranges_with_entries(self) -> list[int]:
        """The numbers (id // range_size) of the ranges that hold any entry."""

    @abc.abstractmethod
    async def rules(self) -> RulesForUser:
        """The rules as the database holds them now (outside any transaction)."""

    @abc.abstractmethod
    async def due_for_rescore(self, now: datetime, limit: int) -> list[int]:
        """Users whose entry's score may have changed with time by ``now`` (its
        next_change_at has come), the longest due first."""

    @abc.abstractmethod
    async def dirty_users(self, older_than: datetime, limit: int) -> list[int]:
        """Users whose facts changed before ``older_than`` and whose recompute never
        committed (it failed or is overdue)."""


class LeaseStore(abc.ABC):
    """Leases on queue entries; each call is its own transaction."""

    @abc.abstractmethod
    async def lease_next(self, queue_type: QueueType, agent_id: uuid.UUID, now: datetime,
                         length: timedelta) -> Lease | None:
        """Ends the agent's earlier lease and leases the most urgent callable entry (or,
        with agent matching, the one near it this agent converts best)."""

    @abc.abstractmethod
    async def match_reason(self, user_id: int, now: datetime) -> str | None:
        """Why agent matching handed out the user's current lead; None: it did not."""


class CallbackStore(abc.ABC):
    """Dispositions and callbacks; every method is one transaction."""

    @abc.abstractmethod
    async def lease_user(self, lease_id: uuid.UUID) -> tuple[int, RulesForUser] | None:
        """Whom the lease is on, and the rules that score them now (one read)."""

    @abc.abstractmethod
    async def record_disposition(self, *, lease_id: uuid.UUID, agent_id: uuid.UUID,
                                 effects: object, notes: str | None, call_sid: str | None,
                                 claims_fingerprint: str | None, now: datetime) -> int:
        """Records it (or raises InvalidDisposition, changing nothing); returns the user id."""

    @abc.abstractmethod
    async def schedule_callback(self, user_id: int, at: datetime, changer: CallbackChanger,
                                personal: bool, note: str | None, now: datetime) -> dict:
        """Books it, superseding the user's pending one; NotYourCallback (nothing changed)
        when the changer may not move that one."""

    @abc.abstractmethod
    async def cancel_callback(self, callback_id: int, now: datetime,
                              changer: CallbackChanger) -> dict | None:
        """None: no such callback; NotYourCallback (nothing changed) when not theirs."""

    @abc.abstractmethod
    async def callback_user(self, callback_id: int) -> int | None:
        """Whom the callback is with; None: no such callback."""


@dataclass(frozen=True, slots=True)
class QueuePage:
    """One keyset page of a queue in calling order."""

    entries: list[tuple[int, QueueEntry]]  # (position from 1, entry)
    total: int
    has_next: bool


@dataclass(frozen=True, slots=True)
class QueueSize:
    queue_type: QueueType
    size: int
    callable_now: int


class QueueReads(abc.ABC):
    """The queues in calling order, read outside any transaction."""

    @abc.abstractmethod
    async def page(self, queue_type: QueueType, first: int,
                   after: tuple[float, int] | None) -> QueuePage:
        """Up to ``first`` entries after a (score, user id) position: two statements."""

    @abc.abstractmethod
    async def sizes(self, now: datetime) -> list[QueueSize]:
        """Every queue's size and how many of its entries may be called at ``now``."""

    @abc.abstractmethod
    async def heads(self, per_queue: int) -> list[int]:
        """The users at the head of every queue (called next), the first of each first."""

    @abc.abstractmethod
    async def counts(self) -> dict[str, int]:
        """Entries per queue type (its value); a queue without entries is left out."""
