"""Outcome rates per experiment arm, from dispositions and queue movements."""

from __future__ import annotations

import asyncpg

from domain.calls.outcomes import NOT_REACHED
from domain.scoring.experiments import assign_arm
from domain.scoring.ports import ArmResult
from domain.scoring.records import Experiment

# A conversion: within 7 days of the user's first call in the experiment they left
# UNSIGNED (signed) or left OUTSTANDING_REQUESTS (documents done) for a reason other than
# a disposition.
_PER_USER = """
WITH calls AS (
    SELECT user_id, min(created_at) AS first_call, count(*) AS attempts,
           count(*) FILTER (WHERE NOT (outcome = ANY($2::text[]))) AS reached
    FROM dispositions WHERE created_at >= $1 GROUP BY user_id
)
SELECT c.user_id, c.attempts, c.reached, EXISTS (
    SELECT 1 FROM queue_events e WHERE e.user_id = c.user_id
      AND e.occurred_at > c.first_call AND e.occurred_at <= c.first_call + interval '7 days'
      AND e.reason NOT LIKE 'disposition%'
      AND ((e.kind = 'MOVED' AND e.from_queue = 'UNSIGNED')
           OR (e.kind = 'REMOVED' AND e.from_queue IN ('UNSIGNED', 'OUTSTANDING_REQUESTS')))
) AS converted
FROM calls c
"""


async def arm_results(conn: asyncpg.Connection, experiment: Experiment) -> list[ArmResult]:
    arms = {name: ArmResult(name) for name in ("control", "variant")}
    rows = await conn.fetch(_PER_USER, experiment.started_at, [o.value for o in NOT_REACHED])
    for row in rows:
        arm = arms[assign_arm(row["user_id"], str(experiment.id), experiment.share)]
        arm.users += 1
        arm.attempts += row["attempts"]
        arm.reached += row["reached"]
        arm.conversions += int(row["converted"])
    return list(arms.values())
