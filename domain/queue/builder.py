"""From one user's facts to their queue entry: placement, then score."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from domain.queue.facts import DiallerFacts, ReplicaFacts
from domain.queue.membership import EXCLUSION_CAUSES, Placement, place
from domain.queue.model import MovementCause, QueueEntry, QueueType, Scored
from domain.scoring.drift import next_change
from domain.scoring.engine import ScoreBreakdown, ScoringFacts, score, score_total
from domain.scoring.rules import RuleSet


@dataclass(frozen=True, slots=True)
class ScoringChoice:
    """The rule set that scores one user, and the experiment arm that chose it."""

    rules: RuleSet
    version: int
    arm: str | None = None

    @property
    def snapshot(self) -> int | None:
        """The learning snapshot the rules were loaded with (None: none)."""
        return self.rules.snapshot

    def scored(self, now: datetime) -> Scored:
        return Scored(now, self.version, self.arm, self.snapshot)


RulesForUser = Callable[[int], ScoringChoice]


def scoring_facts(replica: ReplicaFacts, dialler: DiallerFacts,
                  queue_type: QueueType | None) -> ScoringFacts:
    return ScoringFacts(
        user_id=replica.user_id, date_of_birth=replica.date_of_birth,
        open_claims=replica.open_claims, post_code=replica.post_code,
        last_outcome=dialler.last_outcome, last_reached_at=dialler.last_reached_at,
        failed_attempts=dialler.failed_attempts, habits=dialler.habits,
        queue_type=queue_type.value if queue_type is not None else None,
        last_called_at=dialler.last_called_at,
    )


def score_user(replica: ReplicaFacts, dialler: DiallerFacts, choice: ScoringChoice,
               now: datetime) -> ScoreBreakdown:
    return score(scoring_facts(replica, dialler, place(replica, dialler).queue_type),
                 choice.rules, now)


def build_entry(replica: ReplicaFacts, dialler: DiallerFacts, choice: ScoringChoice,
                now: datetime, previous: QueueEntry | None = None
                ) -> tuple[QueueEntry | None, Placement]:
    """The user's entry now; ``previous`` (their entry as it stands) lends its score when
    nothing the score depends on has moved since it was worked out."""
    placement = place(replica, dialler)
    if placement.queue_type is None:
        return None, placement
    facts = scoring_facts(replica, dialler, placement.queue_type)
    total, changes, scored = _score(facts, choice, now, previous)
    if placement.queue_type is QueueType.CALLBACK:
        callback = dialler.callback
        entry = QueueEntry(replica.user_id, QueueType.CALLBACK, total, None, callback.id,
                           callback.personal_agent_id, callback.scheduled_for, changes, facts,
                           scored)
    else:
        entry = QueueEntry(replica.user_id, placement.queue_type, total,
                           dialler.next_call_after, next_change_at=changes, basis=facts,
                           scored=scored)
    return entry, placement


def _score(facts: ScoringFacts, choice: ScoringChoice, now: datetime,
           previous: QueueEntry | None) -> tuple[float, datetime | None, Scored]:
    if previous is not None and still_scored(previous, facts, choice, now):
        return previous.score, previous.next_change_at, previous.scored
    return (score_total(facts, choice.rules, now), next_change(facts, choice.rules, now),
            choice.scored(now))


def still_scored(entry: QueueEntry, facts: ScoringFacts, choice: ScoringChoice,
                 now: datetime) -> bool:
    """Whether the entry's score is the score ``facts`` have at ``now``: the same facts and
    rule set, and ``now`` between when it was worked out and its next change by time."""
    scored = entry.scored
    return (scored is not None and scored.version == choice.version
            and scored.arm == choice.arm and scored.snapshot == choice.snapshot
            and scored.at <= now
            and (entry.next_change_at is None or now < entry.next_change_at)
            and entry.basis == facts)


def rescored(entry: QueueEntry, choice: ScoringChoice, now: datetime) -> QueueEntry:
    """The entry scored again at ``now`` from the facts it was scored from: what a rebuild
    at ``now`` would give while those facts hold (time moves scores, never placements)."""
    if entry.basis is None:
        return entry
    return replace(entry, score=score_total(entry.basis, choice.rules, now),
                   next_change_at=next_change(entry.basis, choice.rules, now),
                   scored=choice.scored(now))


@dataclass
class Built:
    """Entries of every placed user, how many users each exclusion kept out, and the
    cause of their own of those excluded for one (do-not-call, an undialable number)."""

    entries: dict[int, QueueEntry] = field(default_factory=dict)
    excluded: dict[str, int] = field(default_factory=dict)
    left_because: dict[int, MovementCause] = field(default_factory=dict)


def build_entries(replica: Mapping[int, ReplicaFacts], dialler: Mapping[int, DiallerFacts],
                  rules_for: RulesForUser, now: datetime,
                  previous: Mapping[int, QueueEntry] | None = None) -> Built:
    """``previous``: the entries as they stand (see build_entry)."""
    built = Built()
    before = previous or {}
    for user_id, facts in replica.items():
        entry, placement = build_entry(facts, dialler[user_id], rules_for(user_id), now,
                                       before.get(user_id))
        if entry is None:
            built.excluded[placement.reason] = built.excluded.get(placement.reason, 0) + 1
            if placement.reason in EXCLUSION_CAUSES:
                built.left_because[user_id] = EXCLUSION_CAUSES[placement.reason]
        else:
            built.entries[user_id] = entry
    return built
