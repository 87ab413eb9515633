"""Applying a batch of CDC messages: skip what was seen, recompute once, say what to delete."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.queue.model import QueueType
from domain.sync.changes import ControlRecord, PoisonMessage, RowChange, Tombstone, parse_body
from domain.sync.events import ConversionRecorded
from domain.sync.ports import (
    AppliedRecords,
    ChangeLookupSource,
    ContextInvalidator,
    ConversionRecorder,
)
from domain.sync.routing import (
    TRACKED_TABLES,
    Freshness,
    check_ids,
    conversions_in,
    freshness,
    users_touched,
)
from service_layer.messagebus import MessageBus
from service_layer.queues import QueueMaintainer
from service_layer.user_search import SearchKeeper

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Incoming:
    """One SQS message as received."""

    message_id: str
    receipt: str
    body: str
    receive_count: int = 1


@dataclass
class BatchOutcome:
    """What to do with each message once the batch's effect is committed."""

    delete: list[Incoming] = field(default_factory=list)
    retry: list[tuple[Incoming, int]] = field(default_factory=list)  # (message, delay s)
    dead: list[tuple[Incoming, str]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    users: set[int] = field(default_factory=set)
    lags: list[float] = field(default_factory=list)
    conversions: int = 0

    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n


@dataclass
class ChangeApplier:
    lookups: ChangeLookupSource
    applied: AppliedRecords
    queues: QueueMaintainer
    cache: ContextInvalidator
    record_conversions: ConversionRecorder
    clock: Callable[[], datetime]
    search: SearchKeeper  # what supervisors find users by follows each change
    schema: str | None = None
    max_replica_lag: timedelta = timedelta(minutes=5)
    retry_base_seconds: int = 2
    retry_cap_seconds: int = 300
    # Told of each conversion recorded (the review-request follow-up is its handler).
    bus: MessageBus = field(default_factory=MessageBus)

    async def apply(self, messages: Sequence[Incoming]) -> BatchOutcome:
        outcome, changes = BatchOutcome(), []
        for message in messages:
            change = self._classify(message, outcome)
            if change is not None:
                changes.append((message, change))
        seen = await self.applied.already_seen([c.key for _, c in changes])
        fresh: list[tuple[Incoming, RowChange]] = []
        duplicates: list[Incoming] = []
        for message, change in changes:
            if change.key in seen:  # applied before, or earlier in this very batch
                outcome.count("duplicate")
                duplicates.append(message)
            else:
                seen.add(change.key)
                fresh.append((message, change))
        if fresh:
            await self._apply_fresh(fresh, outcome)
        # A duplicate of a record that must wait (replica behind) is dropped: the original
        # comes back and carries the change.
        outcome.delete += duplicates
        return outcome

    def _classify(self, message: Incoming, outcome: BatchOutcome) -> RowChange | None:
        try:
            parsed = self._parsed(message.body)
        except PoisonMessage as exc:
            outcome.dead.append((message, str(exc)))
            outcome.count("dead_lettered")
            return None
        if isinstance(parsed, ControlRecord | Tombstone):
            log.info("cdc control record acknowledged: %s", parsed)
            outcome.count("control")
        elif parsed is None:
            outcome.count("ignored")
        else:
            return parsed
        outcome.delete.append(message)
        return None

    def _parsed(self, body: str) -> RowChange | ControlRecord | Tombstone | None:
        """The body's record; None for a table or schema we do not follow. Whatever goes
        wrong reading one body is PoisonMessage: it must not fail the others."""
        try:
            parsed = parse_body(body)
            if isinstance(parsed, ControlRecord | Tombstone):
                return parsed
            if parsed.table not in TRACKED_TABLES or (
                    self.schema and parsed.schema and parsed.schema != self.schema):
                return None
            check_ids(parsed)
            return parsed
        except PoisonMessage:
            raise
        except Exception as exc:  # noqa: BLE001 - a parsing bug still spares the batch
            log.exception("cdc body could not be read")
            raise PoisonMessage(f"body could not be read ({type(exc).__name__})") from exc

    async def _apply_fresh(self, items: list[tuple[Incoming, RowChange]],
                           outcome: BatchOutcome) -> None:
        now = self.clock()
        lookups = await self.lookups.for_changes([c for _, c in items])
        ready: list[RowChange] = []
        for message, change in items:
            if freshness(change, lookups, now, self.max_replica_lag) is Freshness.FRESH:
                ready.append(change)
                outcome.delete.append(message)
            else:
                outcome.retry.append((message, self._backoff(message.receive_count)))
                outcome.count("retried")
        users: set[int] = set()
        for change in ready:
            touched = users_touched(change, lookups)
            if not touched:
                log.warning("cdc change maps to no user (reconciliation will cover it): %s %s",
                            change.table, change.key)
                outcome.count("unmapped")
            users |= touched
        if users:
            # Cache first: a failure here leaves the message to come back, nothing half-done.
            await self.cache.invalidate(users)
            report = await self.queues.recompute(sorted(users), "cdc")
            await self.search.refresh(sorted(users))
            left_unsigned = {c.user_id for c in report.changes
                             if c.from_queue is QueueType.UNSIGNED
                             and c.to_queue is not QueueType.UNSIGNED}
            recorded = await self.record_conversions(
                conversions_in(ready, lookups, now, left_unsigned))
            outcome.conversions = len(recorded)
            await self.bus.handle(ConversionRecorded(user)
                                  for user in sorted({r["user_id"] for r in recorded}))
        if not ready:
            return
        committed = [c.committed_at for c in ready if c.committed_at is not None]
        lags = [(now - at).total_seconds() for at in committed]
        await self.applied.mark_applied([c.key for c in ready], max(committed, default=None),
                                        max(lags, default=None), now)
        outcome.users, outcome.lags = users, lags
        outcome.count("applied", len(ready))

    def _backoff(self, receive_count: int) -> int:
        return min(self.retry_base_seconds * 2 ** max(receive_count - 1, 0),
                   self.retry_cap_seconds)
