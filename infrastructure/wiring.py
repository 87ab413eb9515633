"""Wiring of calls, SMS, magic links, sessions and analytics (called by the composition root)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import asyncpg

from domain.agents.presence import PauseReasons, PresencePolicy
from domain.links.tokens import derive_key
from infrastructure.email import email_sender
from infrastructure.postgres.analytics import PgAnalyticsReads
from infrastructure.postgres.calls import PgCallUnits, PgRecordingStore
from infrastructure.postgres.follow_ups import PgFollowUps, mark_sent
from infrastructure.postgres.locks import PgSchedule
from infrastructure.postgres.magic_links import PgMagicLinks
from infrastructure.postgres.messages import PgMessaging
from infrastructure.postgres.sessions import PgPresenceStore
from infrastructure.replica.database import ReplicaDatabase
from infrastructure.replica.lenders import ReplicaUserLenders
from infrastructure.replica.queue_facts import ReplicaFactsReader
from infrastructure.twilio.rest import TwilioRest
from infrastructure.twilio.voice import TwilioVoiceGateway
from service_layer.analytics import SupervisorAnalytics
from service_layer.follow_ups import FollowUps, Messaging, SmsJobs, magic_link_provider
from service_layer.magic_links import LinkPolicy, MagicLinks
from service_layer.sessions import Presence
from service_layer.sms import SmsService
from service_layer.voice import VoiceCalls

if TYPE_CHECKING:
    from infrastructure.bootstrap import Services


def wire_communications(services: Services, pg: asyncpg.Pool, replica_db: ReplicaDatabase) -> None:
    """Voice, presence, analytics, magic links, SMS and follow-ups onto ``services``."""
    s, events, queues, clock = (services.settings, services.events, services.queues,
                                services.clock)
    runtime = services.runtime
    services.voice = VoiceCalls(
        TwilioVoiceGateway(s), events, queues, s.calling_window,
        PgCallUnits(pg), PgRecordingStore(pg), s.voice_token_ttl_seconds,
        s.recording_retention_months)
    services.presence = Presence(
        PgPresenceStore(pg), events,
        PresencePolicy(timedelta(seconds=s.session_idle_seconds),
                       timedelta(seconds=s.wrap_up_seconds)),
        PauseReasons.of(s.pause_reasons), PgSchedule(pg), clock,
        s.session_timer_seconds)
    services.analytics = SupervisorAnalytics(
        PgAnalyticsReads(pg), ReplicaUserLenders(services.replica), clock,
        s.analytics_max_days)
    link_secret = s.magic_link_secret
    services.magic_links = MagicLinks(
        PgMagicLinks(pg), services.replica,
        derive_key(link_secret.get_secret_value() if link_secret else runtime.jwt_secret),
        LinkPolicy(ttl=timedelta(hours=s.magic_link_ttl_hours),
                   rate_per_hour=s.magic_link_rate_per_hour,
                   retention=timedelta(days=s.magic_link_retention_days),
                   link_base_url=s.link_base_url or s.public_base_url
                   or "http://localhost:8000", main_app_url=s.main_app_url),
        sms=None, clock=clock,  # sms: set below, with twilio
        email=email_sender(s.smtp_url.get_secret_value() if s.smtp_url else None,
                           s.email_from))
    # SMS and follow-ups (one Twilio REST client per process, also for recordings).
    services.twilio = TwilioRest.from_settings(s)
    services.magic_links.sms = services.twilio  # magic links by SMS go through it too
    messages, sms_hours = PgMessaging(pg), s.sms_window
    sms = SmsService(messages, services.twilio, ReplicaFactsReader(replica_db), queues.recompute,
                     events, clock, sms_hours, s.sms_status_callback,
                     s.sms_max_attempts, links=services.magic_links)
    follow_ups = FollowUps(
        PgFollowUps(pg), messages, sms, ReplicaFactsReader(replica_db),
        services.replica, mark_sent, sms_hours, clock,
        magic_link_provider(services.magic_links, s.main_app_url),
        s.review_url or s.main_app_url.rstrip("/") + "/review")
    services.sms = Messaging(sms, follow_ups, SmsJobs(sms, follow_ups, PgSchedule(pg),
                                                      s.sms_jobs_every_seconds))
    services.outcomes.follow_ups = services.sms.follow_ups
    services.changes.after_conversion = services.sms.follow_ups.schedule_review_request
    services.closers.append(services.twilio.close)
