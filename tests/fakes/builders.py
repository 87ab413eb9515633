"""Each use case built on fakes, in one place: a constructor change is one edit here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from domain.queue.calling_window import CallingWindow
from domain.queue.facts import ReplicaFacts
from service_layer.cdc import ChangeApplier
from service_layer.queues import QueueMaintainer
from service_layer.sms import SmsService
from tests.fakes.events import FakeEventPublisher
from tests.fakes.links import FakeLinkRenewal
from tests.fakes.messaging import FakeMessaging
from tests.fakes.queue_stores import FakeQueueStores
from tests.fakes.replica import FakeReplica
from tests.fakes.sms_gateway import FakeSmsGateway
from tests.fakes.sync import (
    FakeAppliedRecords,
    FakeChangeLookups,
    FakeContextInvalidator,
    FakeConversionRecorder,
)

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday, inside the calling window
OPEN_CLAIM = (("Santander", NOW - timedelta(days=3)),)


def replica_facts(user_id: int, **overrides) -> ReplicaFacts:
    """An unsigned user with one open claim and a dialable number, unless told otherwise."""
    values = dict(user_id=user_id, phone_raw="07911 123456", date_of_birth=None,
                  status="active", is_enabled=True, signed=False, post_code=None,
                  open_claims=OPEN_CLAIM, claim_keys=((user_id * 10, "new"),),
                  pending_requirements=0)
    return ReplicaFacts(**{**values, **overrides})


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class QueueWorld:
    replica: FakeReplica = field(default_factory=FakeReplica)
    stores: FakeQueueStores = field(default_factory=FakeQueueStores)
    events: FakeEventPublisher = field(default_factory=FakeEventPublisher)
    clock: Clock = field(default_factory=Clock)

    def maintainer(self, **options) -> QueueMaintainer:
        return QueueMaintainer(self.replica, self.stores, self.events, self.clock, **options)


@dataclass
class Recomputes:
    """Stands for QueueMaintainer.recompute where only the call matters; ``fail`` raises."""

    calls: list[tuple[list[int], str]] = field(default_factory=list)
    fail: Exception | None = None

    async def __call__(self, user_ids: list[int], reason: str) -> None:
        self.calls.append((list(user_ids), reason))
        if self.fail is not None:
            raise self.fail


@dataclass
class SmsWorld:
    store: FakeMessaging = field(default_factory=FakeMessaging)
    gateway: FakeSmsGateway = field(default_factory=FakeSmsGateway)
    replica: FakeReplica = field(default_factory=FakeReplica)
    recompute: Recomputes = field(default_factory=Recomputes)
    events: FakeEventPublisher = field(default_factory=FakeEventPublisher)
    clock: Clock = field(default_factory=Clock)
    links: FakeLinkRenewal = field(default_factory=FakeLinkRenewal)

    def service(self, **options) -> SmsService:
        return SmsService(self.store, self.gateway, self.replica, self.recompute, self.events,
                          self.clock, CallingWindow(), lambda i: f"https://api.test/sms/{i}",
                          links=self.links, **options)


@dataclass
class CdcWorld:
    """A ChangeApplier whose queue maintainer is the real one, on in-memory stores."""

    queues: QueueWorld = field(default_factory=QueueWorld)
    lookups: FakeChangeLookups = field(default_factory=FakeChangeLookups)
    applied: FakeAppliedRecords = field(default_factory=FakeAppliedRecords)
    cache: FakeContextInvalidator = field(default_factory=FakeContextInvalidator)
    conversions: FakeConversionRecorder = field(default_factory=FakeConversionRecorder)

    def applier(self, **options) -> ChangeApplier:
        return ChangeApplier(self.lookups, self.applied, self.queues.maintainer(), self.cache,
                             self.conversions, self.queues.clock, **options)
