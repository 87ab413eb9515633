"""Root fields of agent sessions and the supervisor's view (merged in graphql_api/schema.py)."""

from __future__ import annotations

import strawberry

from graphql_api.permissions import IsAuthenticated, IsStaff, IsSupervisor
from graphql_api.resolvers import agents, supervisor
from graphql_api.types.dashboard import AgentPerformance, Dashboard, OutcomeCount
from graphql_api.types.movements import QueueFlowType, QueueMovementType
from graphql_api.types.sessions import AgentSessionType


@strawberry.type
class SupervisorQuery:
    dashboard: Dashboard = strawberry.field(
        resolver=supervisor.dashboard, permission_classes=[IsSupervisor],
        description="The wallboard: queues, agents and today's figures (Europe/London).")
    agent_performance: list[AgentPerformance] = strawberry.field(
        resolver=supervisor.agent_performance, permission_classes=[IsSupervisor],
        description="Each agent with activity in [from, to); at most ANALYTICS_MAX_DAYS.")
    outcome_breakdown: list[OutcomeCount] = strawberry.field(
        resolver=supervisor.outcome_breakdown, permission_classes=[IsSupervisor],
        description="Dispositions in [from, to) by outcome and QUEUE, LENDER, HOUR or AGENT.")
    queue_movements: list[QueueMovementType] = strawberry.field(
        resolver=supervisor.queue_movements, permission_classes=[IsSupervisor],
        description="Users moving from queue to queue (null: outside them) per HOUR or DAY "
                    "in [from, to) and cause; at most ANALYTICS_MAX_DAYS.")
    queue_flow: list[QueueFlowType] = strawberry.field(
        resolver=supervisor.queue_flow, permission_classes=[IsSupervisor],
        description="Each queue: users who joined it in [from, to), and the median and "
                    "90th percentile seconds to their first contact and the median to "
                    "conversion; at most ANALYTICS_MAX_DAYS.")
    pause_reasons: list[str] = strawberry.field(
        resolver=agents.pause_reasons, permission_classes=[IsStaff],
        description="The reasons setAgentStatus accepts with PAUSED.")


@strawberry.type
class SupervisorMutation:
    heartbeat: AgentSessionType = strawberry.field(
        resolver=agents.heartbeat, permission_classes=[IsAuthenticated],
        description="Keeps the session open; without one for SESSION_IDLE_SECONDS it closes.")
    logout: bool = strawberry.field(
        resolver=agents.logout, permission_classes=[IsAuthenticated],
        description="Ends the session: the token stops working. false: no session to end.")
