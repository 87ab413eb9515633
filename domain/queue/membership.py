"""Which queue a user belongs in, or why none (docs/queues-and-scoring.md, "Queues")."""

from __future__ import annotations

from dataclasses import dataclass

from domain.queue.facts import DiallerFacts, ReplicaFacts
from domain.queue.model import MovementCause, QueueType

UNDIALABLE = "undialable phone number"
DO_NOT_CALL = "on the do-not-call list"
WRONG_NUMBER = "wrong number: waiting for a new phone number"
NO_CLAIM = "no claim: waiting for the claims to change"
NOT_ELIGIBLE = "not eligible"
# The exclusions that are a movement's cause of their own (the others: what the user left).
EXCLUSION_CAUSES = {DO_NOT_CALL: MovementCause.DO_NOT_CALL,
                    UNDIALABLE: MovementCause.UNDIALABLE}


@dataclass(frozen=True, slots=True)
class Placement:
    """The queue a user belongs in (None: in no queue) and why."""

    queue_type: QueueType | None
    reason: str


def place(replica: ReplicaFacts, dialler: DiallerFacts) -> Placement:
    """The best-precedence queue the user qualifies for, after the exclusions."""
    excluded = _exclusion(replica, dialler)
    if excluded:
        return Placement(None, excluded)
    if dialler.callback is not None and replica.is_enabled is True:
        return Placement(QueueType.CALLBACK, "callback due")
    if not replica.eligible_user:
        return Placement(None, NOT_ELIGIBLE)
    if not replica.signed and replica.has_open_claim:
        return Placement(QueueType.UNSIGNED, "unsigned with an open claim")
    if replica.signed and replica.pending_requirements:
        return Placement(QueueType.OUTSTANDING_REQUESTS,
                         f"{replica.pending_requirements} pending requirement(s)")
    return Placement(None, NOT_ELIGIBLE)


def _exclusion(replica: ReplicaFacts, dialler: DiallerFacts) -> str | None:
    if dialler.do_not_call:
        return DO_NOT_CALL
    if not dialler.phone_dialable:
        return UNDIALABLE
    if dialler.wrong_number_phone is not None and dialler.wrong_number_phone == replica.phone_raw:
        return WRONG_NUMBER
    if (dialler.no_claim_fingerprint is not None
            and dialler.no_claim_fingerprint == replica.claims_fingerprint):
        return NO_CLAIM
    return None
