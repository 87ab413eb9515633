"""Reading a call and text history file (contracts/call_history.md): the good rows and, by
line, why each other row was refused. Bad rows never stop the good ones; a header without
the required columns stops the file, as nothing in it could be read.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from domain.errors import ServiceBusy
from domain.history.effects import with_imported
from domain.history.ports import HistoryStore
from domain.history.records import (
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    Channel,
    HistoryRecord,
    InvalidHistoryRow,
    history_record,
)
from domain.queue.builder import RulesForUser
from service_layer.import_files import InvalidImport, records

BATCH = 5000  # rows per transaction: a failure loses at most one batch's work, never half


def history_rows(text: str) -> Iterator[tuple[int, HistoryRecord | str]]:
    """Each row with its line: its record, or why it was refused. InvalidImport (before
    any row) when the header lacks a required column."""
    lines = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        columns = _columns(next(lines, None))
        seen: dict[str, int] = {}
        for line, values in _cells(lines, columns):
            if isinstance(values, str):
                yield line, values
                continue
            try:
                record = history_record(values)
            except InvalidHistoryRow as exc:
                yield line, str(exc)
                continue
            if record.external_id in seen:
                yield line, (f"external_id {record.external_id!r} is also on line "
                             f"{seen[record.external_id]}")
                continue
            seen[record.external_id] = line
            yield line, record
    except csv.Error as exc:  # unbalanced quotes: what follows cannot be trusted
        yield lines.line_num, f"not readable as CSV from here: {exc}"


def _columns(header: list[str] | None) -> list[str]:
    names = [h.strip().lower() for h in header or []]
    wrong = [f"column {n!r} is missing" for n in REQUIRED_COLUMNS if n not in names]
    wrong += [f"column {n!r} appears twice" for n in sorted(set(names))
              if n and names.count(n) > 1 and n in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)]
    if wrong:
        known = ", ".join((*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS))
        raise InvalidImport([(1, f"{w} (the first line names the columns: {known})")
                                 for w in wrong])
    return names


def _cells(lines, columns: list[str]) -> Iterator[tuple[int, dict[str, str] | str]]:
    """Each record's cells by column, or why they cannot be read as a row."""
    for line, cells in records(lines):
        if len(cells) != len(columns):
            yield line, f"{len(cells)} fields where the header has {len(columns)}"
        elif any("\x00" in c for c in cells):
            yield line, "a field holds a NUL character"
        else:
            yield line, dict(zip(columns, cells, strict=True))


@dataclass
class HistoryReport:
    loaded: int = 0  # rows stored now
    already: int = 0  # rows an earlier import stored (the same external_id)
    users: int = 0  # users whose call history moved
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)


@dataclass(frozen=True)
class HistoryImport:
    """Loads a history file: bad rows named and skipped, good rows stored once each (by
    external_id), each user's call history moved on, their queue entry recomputed."""

    store: HistoryStore
    known_users: Callable[[Sequence[int]], Awaitable[set[int]]]  # those in the replica
    rules: Callable[[], Awaitable[RulesForUser]]
    recompute: Callable[[Sequence[int], str], Awaitable[object]]
    clock: Callable[[], datetime]
    batch_size: int = BATCH

    async def run(self, text: str, progress: Callable[[int], object] | None = None
                  ) -> HistoryReport:
        """The file a batch at a time: memory stays bounded at any size."""
        report, rules_for, moved = HistoryReport(), await self.rules(), set()
        agents: dict[str, uuid.UUID] = {}
        rows = history_rows(text)
        while batch := list(itertools.islice(rows, self.batch_size)):
            good = await self._known(batch, report)
            emails = {r.agent_email for r in good if r.agent_email} - agents.keys()
            agents |= await self.store.agent_ids(sorted(emails))
            if good:
                moved |= await self._batch(good, agents, rules_for, report)
            if progress:
                progress(len(batch))
        report.problems.sort()
        report.users = len(moved)
        with contextlib.suppress(ServiceBusy):  # left owed: the catch-up sweep does them
            await self.recompute(sorted(moved), "call history imported")
        return report

    async def _known(self, batch: list[tuple[int, HistoryRecord | str]],
                     report: HistoryReport) -> list[HistoryRecord]:
        """The batch's records of users the replica holds; the rest named as problems."""
        records = [(line, r) for line, r in batch if isinstance(r, HistoryRecord)]
        report.problems += [(line, r) for line, r in batch if isinstance(r, str)]
        known = await self.known_users(sorted({r.user_id for _, r in records}))
        report.problems += [(line, f"user {r.user_id} is not in the replica")
                            for line, r in records if r.user_id not in known]
        return [r for _, r in records if r.user_id in known]

    async def _batch(self, batch: list[HistoryRecord], agents, rules_for: RulesForUser,
                     report: HistoryReport) -> set[int]:
        now = self.clock()
        async with self.store.batch() as stored:
            new = await stored.insert(batch, agents)
            by_user: dict[int, list[HistoryRecord]] = defaultdict(list)
            for record in batch:
                if record.external_id in new and record.channel is Channel.CALL:
                    by_user[record.user_id].append(record)
            current = await stored.call_scores(sorted(by_user))
            await stored.save_call_scores(
                [with_imported(u, current.get(u), rows, rules_for(u).rules.cooldowns, now)
                 for u, rows in sorted(by_user.items())])
            await stored.owe(sorted(by_user), now)
        report.loaded += len(new)
        report.already += len(batch) - len(new)
        return set(by_user)
