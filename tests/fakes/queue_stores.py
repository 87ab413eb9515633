"""The queue store ports over dicts, with the PostgreSQL adapter's marks and transactions.

As in infrastructure.postgres.queue_store: every writer takes a sequence value before
it reads (``begin``) and leaves a mark after it commits (per user for incremental
writers, per range for a rebuild); a user marked after a writer's start is "computed
since start" and left alone. A transaction's writes land only when its block ends
cleanly.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from domain.queue.builder import RulesForUser, ScoringChoice
from domain.queue.facts import DiallerFacts
from domain.queue.inputs import InputsSeen
from domain.queue.model import QueueChanged, QueueEntry
from domain.queue.ports import Keys, QueueBusy, QueueStore, QueueStores, RangeStore
from domain.scoring.rules import default_rule_set
from domain.users.phone import to_e164


@dataclass
class QueueTables:
    """What the dialler's queue tables hold."""

    entries: dict[int, QueueEntry] = field(default_factory=dict)
    events: list[QueueChanged] = field(default_factory=list)  # queue_events
    dialler: dict[int, DiallerFacts] = field(default_factory=dict)  # phone_dialable unused
    phones: dict[int, tuple[str | None, str | None]] = field(default_factory=dict)
    marks: dict[int, int] = field(default_factory=dict)
    range_marks: dict[int, int] = field(default_factory=dict)
    dirty: dict[int, datetime] = field(default_factory=dict)
    inputs: dict[int, InputsSeen] = field(default_factory=dict)  # queue_inputs


def _in(keys: Keys, user_id: int) -> bool:
    if keys.ids is not None:
        return user_id in keys.ids
    return keys.low <= user_id <= keys.high


class FakeQueueStore(QueueStore):
    def __init__(self, tables: QueueTables, rules: RulesForUser,
                 newer: set[int] = frozenset()) -> None:
        self.tables, self._rules, self._newer = tables, rules, set(newer)
        self.validated: list[str | None] = []

    async def computed_since_start(self) -> set[int]:
        return set(self._newer)

    async def rules(self) -> RulesForUser:
        return self._rules

    async def refresh_phones(self, phones: dict[int, str | None]) -> dict[int, str | None]:
        result = {}
        for user_id, raw in phones.items():
            known = self.tables.phones.get(user_id)
            if known is None or known[0] != raw:
                self.validated.append(raw)
                known = self.tables.phones[user_id] = (raw, to_e164(raw))
            result[user_id] = known[1]
        return result

    async def dialler_facts(self, keys: Keys, phones: dict[int, str | None],
                            now: datetime) -> dict[int, DiallerFacts]:
        # A callback counts only once due, as the adapter's ``scheduled_for <= now``.
        facts = {}
        for user_id, e164 in phones.items():
            own = self.tables.dialler.get(user_id, DiallerFacts(phone_dialable=True))
            due = own.callback if own.callback and own.callback.scheduled_for <= now else None
            facts[user_id] = dataclasses.replace(own, phone_dialable=e164 is not None,
                                                 callback=due)
        return facts

    async def current_entries(self, keys: Keys) -> dict[int, QueueEntry]:
        return {u: e for u, e in self.tables.entries.items() if _in(keys, u)}

    async def write_changes(self, before: dict[int, QueueEntry], after: dict[int, QueueEntry],
                            changes: list[QueueChanged]) -> int:
        upserts = [e for u, e in after.items() if before.get(u) != e]
        removed = [u for u in before if u not in after]
        for entry in upserts:
            self.tables.entries[entry.user_id] = entry
        for user_id in removed:
            self.tables.entries.pop(user_id, None)
        self.tables.events.extend(changes)
        return len(upserts) + len(removed)

    async def inputs_seen(self, keys: Keys) -> dict[int, InputsSeen]:
        return {u: s for u, s in self.tables.inputs.items() if _in(keys, u)}

    async def dialler_digests(self, keys: Keys, now: datetime) -> dict[int, int]:
        found = {}
        for user_id, own in self.tables.dialler.items():
            if _in(keys, user_id):
                due = own.callback if own.callback and own.callback.scheduled_for <= now \
                    else None
                found[user_id] = hash(dataclasses.replace(own, phone_dialable=True,
                                                          callback=due))
        return found

    async def unseen_entries(self, keys: Keys) -> set[int]:
        return {u for u in self.tables.entries if _in(keys, u) and u not in self.tables.inputs}

    async def keep_inputs(self, seen: Mapping[int, InputsSeen], forgotten: Sequence[int]
                          ) -> None:
        self.tables.inputs.update(seen)
        for user_id in forgotten:
            self.tables.inputs.pop(user_id, None)

    async def owe(self, user_ids: Sequence[int], now: datetime) -> None:
        for user_id in user_ids:
            self.tables.dirty.setdefault(user_id, now)


class FakeRangeStore(FakeQueueStore, RangeStore):
    def __init__(self, tables: QueueTables, rules: RulesForUser, range_no: int, keys: Keys,
                 started: int) -> None:
        super().__init__(tables, rules)
        self._range_no, self._keys, self._started = range_no, keys, started

    async def superseded(self) -> bool:
        return self.tables.range_marks.get(self._range_no, 0) > self._started

    async def computed_since_start(self) -> set[int]:
        return {u for u, seq in self.tables.marks.items()
                if _in(self._keys, u) and seq > self._started}


class FakeQueueStores(QueueStores):
    """``held``: users another writer holds (for_users raises QueueBusy on them);
    ``interleave``: calls run one per transaction as it opens, standing for a writer that
    committed in between."""

    def __init__(self, *, range_size: int = 100,
                 choice: ScoringChoice | None = None) -> None:
        self.range_size = range_size
        self.tables = QueueTables()
        self.choice = choice or ScoringChoice(default_rule_set(), 1)
        self.held: set[int] = set()
        self.interleave: list[Callable[[], None]] = []
        self._seq = 0

    def _next(self) -> int:
        self._seq += 1
        return self._seq

    def _rules(self, user_id: int) -> ScoringChoice:
        return self.choice

    def written_elsewhere(self, entry: QueueEntry) -> None:
        """Another writer committed this user's entry (and its mark) just now."""
        self.tables.entries[entry.user_id] = entry
        self.tables.marks[entry.user_id] = self._next()
        self.tables.inputs.pop(entry.user_id, None)

    def mark_dirty(self, user_id: int, at: datetime) -> None:
        self.tables.dirty[user_id] = at

    async def begin(self) -> int:
        return self._next()

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[QueueTables]:
        """A working copy of the tables, kept only when the block ends cleanly."""
        if self.interleave:
            self.interleave.pop(0)()
        working = copy.deepcopy(self.tables)
        yield working
        self.tables = working

    @contextlib.asynccontextmanager
    async def for_users(self, user_ids: Sequence[int], started: int, *,
                        fresh_facts: bool = True) -> AsyncIterator[FakeQueueStore]:
        ids = sorted(set(user_ids))
        if self.held & set(ids):
            raise QueueBusy(f"{len(ids)} users' queue entries are being written elsewhere")
        async with self._transaction() as tables:
            newer = {u for u in ids if tables.marks.get(u, 0) > started
                     or tables.range_marks.get(u // self.range_size, 0) > started}
            for user_id in set(ids) - newer if fresh_facts else ():
                tables.dirty.pop(user_id, None)
            yield FakeQueueStore(tables, self._rules, newer)
            for user_id in set(ids) - newer:
                tables.marks[user_id] = self._next()
                tables.inputs.pop(user_id, None)

    @contextlib.asynccontextmanager
    async def for_range(self, keys: Keys, started: int) -> AsyncIterator[FakeRangeStore]:
        range_no = keys.low // self.range_size
        async with self._transaction() as tables:
            yield FakeRangeStore(tables, self._rules, range_no, keys, started)
            tables.range_marks[range_no] = self._next()
            for user_id in [u for u, seq in tables.marks.items()
                            if keys.low <= u <= keys.high and seq <= started]:
                del tables.marks[user_id]

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[FakeQueueStore]:
        async with self._transaction() as tables:
            yield FakeQueueStore(tables, self._rules)

    async def ranges_with_entries(self) -> list[int]:
        return sorted({u // self.range_size for u in self.tables.entries})

    async def rules(self) -> RulesForUser:
        return self._rules

    async def due_for_rescore(self, now: datetime, limit: int) -> list[int]:
        due = sorted((e.next_change_at, u) for u, e in self.tables.entries.items()
                     if e.next_change_at is not None and e.next_change_at <= now)
        return [u for _, u in due[:limit]]

    async def dirty_users(self, older_than: datetime, limit: int) -> list[int]:
        due = sorted((at, u) for u, at in self.tables.dirty.items() if at < older_than)
        return [u for _, u in due[:limit]]
