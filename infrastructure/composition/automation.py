"""Automated (AI) agents: the worker's turns texting their share of the UNSIGNED queue."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from infrastructure.composition.connections import Connections
from infrastructure.postgres.automation import PgAutomatedWork
from infrastructure.postgres.locks import PgSchedule
from infrastructure.replica.reader import ReplicaReader
from infrastructure.settings import Settings
from service_layer.automated_agents import AutomatedAgents
from service_layer.follow_ups import Messaging
from service_layer.magic_links import MagicLinks
from service_layer.queues import QueueMaintainer
from service_layer.rate_limits import RateLimits


def build_automation(settings: Settings, c: Connections, replica: ReplicaReader,
                     sms: Messaging, links: MagicLinks, queues: QueueMaintainer,
                     limits: RateLimits, clock: Callable[[], datetime]) -> AutomatedAgents:
    return AutomatedAgents(PgAutomatedWork(c.pg), sms.sms, links, replica, limits,
                           queues.recompute, settings.sms_window, PgSchedule(c.pg), clock,
                           settings.automation_policy, settings.ai_turn_seconds)
