"""queueFlow's every-queue answer and the rollup's bound, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from domain.analytics.figures import closed_until
from domain.analytics.flow import QueueFlow, every_queue
from domain.queue.model import QueueType


def test_every_queue_is_answered_in_order_with_nobody_where_nobody_joined():
    unsigned = QueueFlow(QueueType.UNSIGNED, 4, 3600.0, 138960.0, 48600.0)
    assert every_queue([unsigned]) == [QueueFlow(QueueType.CALLBACK, 0), unsigned,
                                       QueueFlow(QueueType.OUTSTANDING_REQUESTS, 0)]


def test_the_rollup_reaches_the_start_of_the_current_utc_hour():
    summer = datetime(2026, 7, 14, 10, 59, 59, 999999, tzinfo=timezone(timedelta(hours=1)))
    assert closed_until(summer) == datetime(2026, 7, 14, 9, 0, tzinfo=UTC)
    assert closed_until(datetime(2026, 10, 25, 1, 0, tzinfo=UTC)) == \
        datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
