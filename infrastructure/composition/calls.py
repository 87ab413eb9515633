"""Calls: voice through Twilio, and what an agent records after one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from domain.access.rule import AccessRule
from domain.agents.ports import AgentProfiles
from infrastructure.composition.connections import Connections
from infrastructure.composition.queues import QueueArea
from infrastructure.postgres.callback_book import PgCallbackBook
from infrastructure.postgres.calls import PgCallUnits, PgRecordingStore
from infrastructure.postgres.dispositions import PgCallbackStore
from infrastructure.postgres.do_not_call import PgDoNotCallList
from infrastructure.replica.queue_facts import ReplicaFactsReader
from infrastructure.settings import Settings
from infrastructure.twilio.recordings import TwilioRecordingMedia
from infrastructure.twilio.voice import TwilioVoiceGateway
from service_layer.audit import AuditWriter
from service_layer.callbacks import CallbackDesk
from service_layer.dispositions import CallOutcomes
from service_layer.do_not_call import DoNotCallDesk
from service_layer.messagebus import MessageBus
from service_layer.recordings import Recordings
from service_layer.voice import VoiceCalls


@dataclass(frozen=True)
class CallsArea:
    outcomes: CallOutcomes
    voice: VoiceCalls
    callbacks: CallbackDesk
    do_not_call: DoNotCallDesk


def build_calls(s: Settings, c: Connections, q: QueueArea, bus: MessageBus,
                agents: AgentProfiles, clock: Callable[[], datetime]) -> CallsArea:
    replica = ReplicaFactsReader(c.replica_db)
    outcomes = CallOutcomes(PgCallbackStore(c.pg, q.rule_book), q.queues, replica,
                            s.calling_window, bus=bus)
    voice = VoiceCalls(TwilioVoiceGateway(s), c.events, q.queues, s.calling_window,
                       PgCallUnits(c.pg), PgRecordingStore(c.pg), s.voice_token_ttl_seconds,
                       s.recording_retention_months)
    return CallsArea(outcomes, voice, CallbackDesk(PgCallbackBook(c.pg), agents, q.queues, clock),
                     DoNotCallDesk(PgDoNotCallList(c.pg), replica, q.queues, clock))


def build_recordings(s: Settings, c: Connections, rule: AccessRule, audit: AuditWriter,
                     clock: Callable[[], datetime]) -> tuple[Recordings, Callable]:
    """The recordings player, and what closes its HTTP client."""
    media = TwilioRecordingMedia.from_settings(s)
    return Recordings(PgRecordingStore(c.pg), media, rule, audit, clock), media.close
