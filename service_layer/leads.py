"""Giving an agent their next lead."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from domain.agents.model import AgentStatus
from domain.agents.ports import AgentProfiles
from domain.queue.calling_window import CallingWindow
from domain.queue.leads import Lease, NoLead, no_entry_reason, not_allowed_reason
from domain.queue.model import QueueType
from domain.queue.ports import LeaseStore


async def next_lead(agents: AgentProfiles, leases: LeaseStore, window: CallingWindow,
                    end_wrap_up: Callable[[uuid.UUID], Awaitable[None]], *,
                    agent_id: uuid.UUID, queue_type: QueueType, now: datetime,
                    length: timedelta) -> Lease | NoLead:
    agent = await agents.get(agent_id)
    if agent is not None and agent.status is AgentStatus.WRAP_UP:
        await end_wrap_up(agent_id)  # asking for a lead ends wrap-up at once
    closed = window.closed_reason(now)
    if closed:
        return NoLead(closed)
    if agent is None or not agent.is_active:
        return NoLead("your account is disabled")
    if not agent.may_work(queue_type.value):
        return NoLead(not_allowed_reason(queue_type))
    lease = await leases.lease_next(queue_type, agent_id, now, length)
    return lease or NoLead(no_entry_reason(queue_type))
