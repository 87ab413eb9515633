"""What-ifs for B, not results of learning. ``--oracle-windows``: the learned snapshot's
calling windows replaced by each user's true best two weekday hours, with full confidence:
what the calling_window factor could do if the learner found the windows, the ceiling of
the mechanism. ``--full-confidence``: the learned windows kept, their confidence set to 1:
what scaling the points by confidence costs."""

from __future__ import annotations

from bench.learning_sim.hidden import typical_curve
from bench.learning_sim.population import Population

STARTS = range(8, 19)

_UPSERT = """
INSERT INTO learned_users (snapshot_id, user_id, best_start, best_end, best_estimate,
                           best_confidence, calls, answered, texts, replied)
SELECT s.id, w.user_id, w.start, w.start + 2, w.p, 1.0, 0, 0, 0, 0
FROM learning_snapshots s,
     unnest($1::bigint[], $2::int[], $3::float8[]) AS w(user_id, start, p)
WHERE s.status = 'ACTIVE'
ON CONFLICT (snapshot_id, user_id) DO UPDATE SET best_start = EXCLUDED.best_start,
    best_end = EXCLUDED.best_end, best_estimate = EXCLUDED.best_estimate,
    best_confidence = 1.0
"""


def true_windows(population: Population) -> dict[int, tuple[int, float]]:
    """Each user's best 2-hour window start on an ordinary weekday, and its true p."""
    found = {}
    for user_id, person in population.people.items():
        curve = typical_curve(person, steps=6)
        start = max(STARTS, key=lambda s: (curve[s] + curve[s + 1], -s))
        found[user_id] = (start, (curve[start] + curve[start + 1]) / 2)
    return found


async def install(services, population: Population) -> int:
    """Writes the true windows into the active snapshot; the users written."""
    windows = true_windows(population)
    users = sorted(windows)
    async with services.pg.acquire() as conn:
        await conn.execute(_UPSERT, users, [windows[u][0] for u in users],
                           [windows[u][1] for u in users])
    return len(users)


_FULL = """
UPDATE learned_users u SET best_confidence = 1.0 FROM learning_snapshots s
WHERE s.id = u.snapshot_id AND s.status = 'ACTIVE' AND u.best_start IS NOT NULL
"""


async def full_confidence(services) -> int:
    """Every learned window of the active snapshot at confidence 1; the users changed."""
    async with services.pg.acquire() as conn:
        status = await conn.execute(_FULL)
    return int(status.split()[-1])
