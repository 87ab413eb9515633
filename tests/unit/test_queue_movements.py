"""Each queue event's cause: what the caller did, else what the change itself says."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.queue.model import MovementCause, QueueEntry, QueueType, diff

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
U, R, C = QueueType.UNSIGNED, QueueType.OUTSTANDING_REQUESTS, QueueType.CALLBACK


def _cause(before: QueueType | None, after: QueueType | None, score_moved: bool = False,
           **options) -> MovementCause:
    old = {1: QueueEntry(1, before, 0.0)} if before else {}
    new = {1: QueueEntry(1, after, 1.0 if score_moved else 0.0)} if after else {}
    (change,) = diff(old, new, "cdc", NOW, **options)
    return change.cause


def test_a_change_with_no_trigger_names_its_cause_by_where_the_user_went():
    assert _cause(U, None) is MovementCause.SIGNATURE_OBTAINED
    assert _cause(U, R) is MovementCause.SIGNATURE_OBTAINED  # signed, documents pending
    assert _cause(R, None) is MovementCause.REQUIREMENT_COMPLETED
    assert _cause(None, R) is MovementCause.REQUIREMENT_ADDED
    assert _cause(U, C) is MovementCause.CALLBACK_DUE
    assert _cause(None, C) is MovementCause.CALLBACK_DUE
    assert _cause(U, U, score_moved=True) is MovementCause.RESCORED
    assert _cause(None, U) is MovementCause.OTHER
    assert _cause(C, None) is MovementCause.OTHER


def test_a_user_kept_out_for_a_reason_of_their_own_left_for_it():
    assert _cause(U, None, left_because={1: MovementCause.DO_NOT_CALL}) \
        is MovementCause.DO_NOT_CALL
    assert _cause(R, None, left_because={1: MovementCause.UNDIALABLE}) \
        is MovementCause.UNDIALABLE


def test_what_the_caller_did_is_the_cause_of_every_change_it_made():
    for before, after in ((U, None), (U, U), (C, U), (None, R)):
        assert _cause(before, after, score_moved=True,
                      trigger=MovementCause.DISPOSITION) is MovementCause.DISPOSITION
