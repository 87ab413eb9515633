"""Which pending callbacks a call completes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.calls.callbacks import PendingCallback, completed_by_call
from domain.queue.model import QueueType

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def test_a_call_from_the_callback_queue_completes_those_due_up_to_now_inclusive():
    pending = [PendingCallback(1, NOW - SECOND), PendingCallback(2, NOW),
               PendingCallback(3, NOW + SECOND)]
    assert completed_by_call(QueueType.CALLBACK.value, pending, NOW) == [1, 2]


def test_a_call_from_another_queue_completes_none_even_if_due():
    pending = [PendingCallback(1, NOW - SECOND)]
    for queue_type in (QueueType.UNSIGNED, QueueType.OUTSTANDING_REQUESTS):
        assert completed_by_call(queue_type.value, pending, NOW) == []


def test_nothing_pending_completes_nothing():
    assert completed_by_call(QueueType.CALLBACK.value, [], NOW) == []
