"""Each use case built on fakes, in one place: a constructor change is one edit here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from domain.calls.events import CallbackBooked, DispositionMade
from domain.links import tokens
from domain.queue.calling_window import CallingWindow
from domain.queue.facts import ReplicaFacts
from domain.users.model import User
from infrastructure.intents.replies import JsonAnswerBook
from service_layer.cdc import ChangeApplier
from service_layer.conversation_actions import ConversationActions
from service_layer.dispositions import CallOutcomes
from service_layer.magic_links import LinkPolicy, MagicLinks
from service_layer.messagebus import Handler, MessageBus
from service_layer.queues import QueueMaintainer
from service_layer.sms import SmsService
from service_layer.text_reviews import TextReviewDesk
from service_layer.understanding import Understanding
from service_layer.user_search import SearchKeeper
from tests.fakes.callbacks import FakeCallbackStore
from tests.fakes.conversations import FakeCallbackTimes, FakeConversationEffects, FakeFollowUps
from tests.fakes.events import FakeEventPublisher
from tests.fakes.intents import FakeIntentClassifier
from tests.fakes.links import FakeLinkRenewal
from tests.fakes.magic_links import FakeEmailSender, FakeLinkStore, FakeUserDirectory
from tests.fakes.messaging import FakeMessaging, FakeTextReviews
from tests.fakes.queue_stores import FakeQueueStores
from tests.fakes.replica import FakeReplica
from tests.fakes.search import FakeSearchIndex, FakeSearchSource
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
    triggers: list = field(default_factory=list)  # the cause each call gave, if any
    fail: Exception | None = None

    async def __call__(self, user_ids: list[int], reason: str, trigger=None) -> None:
        self.calls.append((list(user_ids), reason))
        self.triggers.append(trigger)
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
    classifier: FakeIntentClassifier = field(default_factory=FakeIntentClassifier)
    effects: FakeConversationEffects = field(default_factory=FakeConversationEffects)
    follow_ups: FakeFollowUps = field(default_factory=FakeFollowUps)
    times: FakeCallbackTimes = field(default_factory=FakeCallbackTimes)

    def service(self, **options) -> SmsService:
        options.setdefault("understanding", Understanding(self.classifier))
        return SmsService(self.store, self.gateway, self.replica, self.recompute, self.events,
                          self.clock, CallingWindow(), lambda i: f"https://api.test/sms/{i}",
                          links=self.links, **options)

    def actions(self, **options) -> ConversationActions:
        """The real actions, on this world's stores; pass as ``service(actions=...)``."""
        return ConversationActions(self.store, self.effects, self.follow_ups, self.times,
                                   JsonAnswerBook(), CallingWindow(), **options)

    def reviews(self) -> TextReviewDesk:
        """Reviews on this world's messages, resolved through its SMS service."""
        return TextReviewDesk(FakeTextReviews(self.store), self.service(), self.clock)


@dataclass
class CdcWorld:
    """A ChangeApplier whose queue maintainer is the real one, on in-memory stores."""

    queues: QueueWorld = field(default_factory=QueueWorld)
    lookups: FakeChangeLookups = field(default_factory=FakeChangeLookups)
    applied: FakeAppliedRecords = field(default_factory=FakeAppliedRecords)
    cache: FakeContextInvalidator = field(default_factory=FakeContextInvalidator)
    conversions: FakeConversionRecorder = field(default_factory=FakeConversionRecorder)
    search_source: FakeSearchSource = field(default_factory=FakeSearchSource)
    search_index: FakeSearchIndex = field(default_factory=FakeSearchIndex)

    def applier(self, **options) -> ChangeApplier:
        keeper = SearchKeeper(self.search_source, self.search_index, self.queues.clock)
        return ChangeApplier(self.lookups, self.applied, self.queues.maintainer(), self.cache,
                             self.conversions, self.queues.clock, keeper, **options)


@dataclass
class Handled:
    """A message bus handler keeping every event it is handed."""

    events: list[object] = field(default_factory=list)

    async def __call__(self, event: object) -> None:
        self.events.append(event)


@dataclass
class OutcomesWorld:
    """CallOutcomes on in-memory dispositions, with the real queue maintainer; ``handled``
    gets the follow-up events the bus carries, after any handlers a test puts first."""

    queues: QueueWorld = field(default_factory=QueueWorld)
    handled: Handled = field(default_factory=Handled)
    store: FakeCallbackStore = field(init=False)

    def __post_init__(self) -> None:
        self.store = FakeCallbackStore(self.queues.stores)

    def outcomes(self, *first: Handler) -> CallOutcomes:
        handlers = [*first, self.handled]
        bus = MessageBus({DispositionMade: handlers, CallbackBooked: handlers})
        return CallOutcomes(self.store, self.queues.maintainer(), self.queues.replica,
                            CallingWindow(), bus)


def a_user(user_id: int, **overrides) -> User:
    """A replica user with a mobile number and an e-mail address, unless told otherwise."""
    values = dict(id=user_id, first_name="Ann", last_name="Smith", email="ann@example.com",
                  phone_number="07911 123456", date_of_birth=None, status="active",
                  is_enabled=True, introducer=None, solicitor=None,
                  current_user_address_id=None, current_signature_file_id=None,
                  last_login=None, created_at=None, updated_at=None)
    return User(**{**values, **overrides})


LINK_KEY = tokens.derive_key("k" * 40)


@dataclass
class LinksWorld:
    store: FakeLinkStore = field(default_factory=FakeLinkStore)
    users: FakeUserDirectory = field(default_factory=FakeUserDirectory)
    email: FakeEmailSender = field(default_factory=FakeEmailSender)
    clock: Clock = field(default_factory=Clock)
    policy: LinkPolicy = field(default_factory=lambda: LinkPolicy(
        ttl=timedelta(hours=72), rate_per_hour=3, retention=timedelta(days=30),
        link_base_url="https://api.test", main_app_url="https://app.test"))

    def service(self) -> MagicLinks:
        return MagicLinks(self.store, self.users, LINK_KEY, self.policy, email=self.email,
                          clock=self.clock)
