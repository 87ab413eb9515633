"""Why a user sits where they do: every factor, the rule set, the arm, and what was done
unasked about their recent texts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.conversations.actions import TakenAction
from domain.queue.builder import score_user
from domain.queue.membership import place
from domain.queue.model import QueueType
from domain.queue.ports import Keys, LeaseStore
from domain.scoring.engine import ScoreBreakdown
from domain.scoring.learned_factors import channel_advice
from service_layer.conversation_actions import ConversationActions
from service_layer.queues import QueueMaintainer


@dataclass(frozen=True, slots=True)
class Explanation:
    user_id: int
    breakdown: ScoreBreakdown
    queue_type: QueueType | None
    placement_reason: str
    rule_set_version: int
    experiment_arm: str | None
    # Newest first: the last 30 days' automatic actions on their texts, at most 10.
    automatic_actions: tuple[TakenAction, ...] = ()
    channel_advice: str | None = None  # "text rather than call", with its evidence


async def explain(queues: QueueMaintainer, user_id: int, now: datetime, *,
                  actions: ConversationActions | None = None) -> Explanation | None:
    """None when the replica has no such user; without ``actions``, none are listed."""
    replica = (await queues.replica.for_keys(Keys(ids=[user_id]))).get(user_id)
    if replica is None:
        return None
    async with queues.stores.reading() as store:
        phones = await store.refresh_phones({user_id: replica.phone_raw})
        dialler = (await store.dialler_facts(Keys(ids=[user_id]), phones, now))[user_id]
    choice = (await queues.rules())(user_id)
    placement = place(replica, dialler)
    taken = tuple(await actions.recent(user_id, now)) if actions else ()
    return Explanation(user_id, score_user(replica, dialler, choice, now), placement.queue_type,
                       placement.reason, choice.version, choice.arm, taken,
                       channel_advice(dialler.habits, choice.rules.learned))


async def match_factor(leases: LeaseStore, user_id: int, now: datetime) -> list[str]:
    """The factor line of the user's current lead when agent matching handed it out."""
    reason = await leases.match_reason(user_id, now)
    return [reason[:1].upper() + reason[1:]] if reason else []
