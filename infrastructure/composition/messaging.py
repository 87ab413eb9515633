"""SMS, follow-ups and magic links, over one Twilio REST client per process."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from domain.access.rule import AccessRule
from domain.links.tokens import derive_key
from infrastructure.composition.connections import Connections
from infrastructure.email import email_sender
from infrastructure.intents.lazy import LazyClassifier
from infrastructure.intents.llm import LlmClassifier
from infrastructure.intents.replies import JsonAnswerBook
from infrastructure.intents.times import DateparserCallbackTimes
from infrastructure.postgres.automation import PgAutomatedWork
from infrastructure.postgres.conversation_actions import PgActionHistory, PgConversationEffects
from infrastructure.postgres.follow_ups import PgFollowUps
from infrastructure.postgres.locks import PgSchedule
from infrastructure.postgres.magic_links import PgMagicLinks
from infrastructure.postgres.messages import PgMessaging
from infrastructure.postgres.text_reviews import PgTextReviews
from infrastructure.replica.queue_facts import ReplicaFactsReader
from infrastructure.replica.reader import ReplicaReader
from infrastructure.runtime import Runtime
from infrastructure.settings import Settings, previous_secrets
from infrastructure.twilio.rest import TwilioRest
from service_layer.automated_agents import Handoffs
from service_layer.conversation_actions import ConversationActions
from service_layer.follow_ups import FollowUps, Messaging, SmsJobs, magic_link_provider
from service_layer.link_sending import LinkSending
from service_layer.magic_links import LinkPolicy, MagicLinks
from service_layer.queues import QueueMaintainer
from service_layer.sms import SmsService
from service_layer.text_reviews import TextReviewDesk
from service_layer.understanding import Understanding


@dataclass(frozen=True)
class MessagingArea:
    twilio: TwilioRest
    magic_links: MagicLinks
    link_sending: LinkSending  # a link by e-mail, or by SMS in a text of the conversation
    sms: Messaging
    text_reviews: TextReviewDesk
    closers: tuple[Callable[[], Awaitable[None]], ...]  # its HTTP clients


def build_messaging(settings: Settings, runtime: Runtime, c: Connections,
                    replica: ReplicaReader, queues: QueueMaintainer,
                    clock: Callable[[], datetime]) -> MessagingArea:
    s = settings
    twilio = TwilioRest.from_settings(s)  # magic links by SMS go through it too
    links = build_magic_links(s, runtime, c, replica, clock)
    messages, sms_hours, planned = PgMessaging(c.pg), s.sms_window, PgFollowUps(c.pg)
    understanding, llm_closers = build_understanding(s)
    actions = ConversationActions(messages, PgConversationEffects(c.pg), planned,
                                  DateparserCallbackTimes(), JsonAnswerBook(),
                                  s.calling_window,
                                  AccessRule(timedelta(hours=s.work_on_hours)),
                                  links=links, history=PgActionHistory(c.pg))
    handoffs = Handoffs(PgAutomatedWork(c.pg), PgConversationEffects(c.pg), s.calling_window,
                        s.automation_policy)
    sms = SmsService(messages, twilio, ReplicaFactsReader(c.replica_db), queues.recompute,
                     c.events, clock, sms_hours, s.sms_status_callback,
                     s.sms_max_attempts, links=links, understanding=understanding,
                     policy=s.opt_out_policy, actions=actions, handoffs=handoffs)
    follow_ups = FollowUps(
        planned, messages, sms, ReplicaFactsReader(c.replica_db), replica,
        sms_hours, clock, magic_link_provider(links, s.main_app_url),
        s.review_url or s.main_app_url.rstrip("/") + "/review")
    jobs = SmsJobs(sms, follow_ups, PgSchedule(c.pg), s.sms_jobs_every_seconds)
    reviews = TextReviewDesk(PgTextReviews(c.pg), sms, clock)
    return MessagingArea(twilio, links, LinkSending(links, sms),
                         Messaging(sms, follow_ups, jobs), reviews,
                         (twilio.close, *llm_closers))


def build_understanding(s: Settings
                        ) -> tuple[Understanding, tuple[Callable[[], Awaitable[None]], ...]]:
    """The local reading, with the operator's LLM as a second opinion only when
    INTENT_LLM_URL is set; the closers of what it opened."""
    local = LazyClassifier()  # trained on the first text (or by the API's warm-up), not here
    if not s.intent_llm_url:
        return Understanding(local), ()
    client = httpx.AsyncClient(timeout=s.intent_llm_timeout_seconds)
    key = s.intent_llm_api_key.get_secret_value() if s.intent_llm_api_key else None
    llm = LlmClassifier(client, s.intent_llm_url, s.intent_llm_model, api_key=key,
                        timeout_seconds=s.intent_llm_timeout_seconds)
    return Understanding(local, llm, s.intent_opt_out_threshold), (client.aclose,)


def build_magic_links(s: Settings, runtime: Runtime, c: Connections, replica: ReplicaReader,
                      clock: Callable[[], datetime]) -> MagicLinks:
    secret = s.magic_link_secret
    policy = LinkPolicy(
        ttl=timedelta(hours=s.magic_link_ttl_hours), rate_per_hour=s.magic_link_rate_per_hour,
        retention=timedelta(days=s.magic_link_retention_days),
        link_base_url=s.link_base_url or s.public_base_url or "http://localhost:8000",
        main_app_url=s.main_app_url)
    # Unset, the link key follows JWT_SECRET: then its previous secret is the links' too.
    previous = s.magic_link_secret_previous if secret else s.jwt_secret_previous
    return MagicLinks(
        PgMagicLinks(c.pg), replica,
        derive_key(secret.get_secret_value() if secret else runtime.jwt_secret), policy,
        clock=clock, email=email_sender(s.smtp_url.get_secret_value() if s.smtp_url else None,
                           s.email_from),
        previous_keys=tuple(derive_key(p) for p in previous_secrets(previous)))
