"""queueMovements in SQL: counted from queue_events directly, or from the rollup and what it
does not hold yet, with the same answer.

A bucket is a London hour or day (``date_trunc`` of the London wall clock, labelled as
that wall-clock time read back in London, as the direct count has always done). London's
offsets are whole hours, so every bucket is a run of whole UTC hours: one on most hours,
two on the hour the clocks go back, 23 to 25 in a day.

The rollup holds, for every bucket inside [rolled_from, rolled_until), the distinct users
of its events as they stood at one snapshot (the state row's: each queue event carries
its transaction, ``xact``, and pg_visible_in_snapshot says which were committed by
then). The read takes a bucket from it when the bucket lies wholly inside the period and
that range, adding each user of a later event (a *late* one) who has no event of the same
route and cause in the bucket at the snapshot; every other bucket is counted live over
its own time range. The parts never overlap and together are exactly the direct count.
"""

from __future__ import annotations

# The direct count: every event in the period. Events written before causes were count
# as OTHER.
DIRECT = """
SELECT date_trunc($3, occurred_at AT TIME ZONE 'Europe/London')
           AT TIME ZONE 'Europe/London' AS bucket_start,
       from_queue, to_queue, coalesce(cause, 'OTHER') AS cause,
       count(DISTINCT user_id) AS users
FROM queue_events WHERE occurred_at >= $1 AND occurred_at < $2
GROUP BY 1, 2, 3, 4 ORDER BY 1, 2 NULLS FIRST, 3 NULLS FIRST, 4
"""

# Queue events committed after the rollup's snapshot, by their xact: an index range from
# the snapshot's xmin (a constant to the planner, so never a scan of the table).
_SNAPSHOT = "(SELECT snapshot::pg_snapshot FROM queue_movement_rollup_state)"
_LATE = (f"e.xact >= pg_snapshot_xmin({_SNAPSHOT})::text::bigint "
         f"AND NOT pg_visible_in_snapshot(e.xact::text::xid8, {_SNAPSHOT})")

# $1 start, $2 end, $3 'hour' or 'day'. Buckets: every one the period touches, as
# [starts, ends) in whole UTC hours (a day either side finds a bucket's whole extent).
# Late users go by '' for outside every queue, as the rollup's keys do.
COMBINED = """
WITH buckets AS (
    SELECT date_trunc($3::text, h AT TIME ZONE 'Europe/London') AS local, min(h) AS starts,
           max(h) + interval '1 hour' AS ends
    FROM generate_series(
        date_trunc('hour', $1::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
            - interval '1 day',
        $2::timestamptz + interval '1 day', interval '1 hour') AS h
    GROUP BY 1
    HAVING max(h) + interval '1 hour' > $1::timestamptz AND min(h) < $2::timestamptz
), rolled AS (
    SELECT b.local, b.starts, b.ends,
           b.local AT TIME ZONE 'Europe/London' AS label FROM buckets b
    JOIN queue_movement_rollup_state s
      ON b.starts >= $1::timestamptz AND b.ends <= $2::timestamptz
     AND b.starts >= coalesce(s.rolled_from, '-infinity') AND b.ends <= s.rolled_until
), live AS (
    SELECT greatest(starts, $1::timestamptz) AS starts, least(ends, $2::timestamptz) AS ends
    FROM buckets WHERE local NOT IN (SELECT local FROM rolled)
), late AS (
    SELECT r.label, r.starts, r.ends, e.user_id, e.from_queue, e.to_queue,
           coalesce(e.cause, 'OTHER') AS cause
    FROM queue_events e
    JOIN rolled r ON r.local = date_trunc($3::text, e.occurred_at AT TIME ZONE 'Europe/London')
    WHERE """ + _LATE + """
), newcomers AS (
    SELECT l.label, coalesce(l.from_queue, '') AS from_key, coalesce(l.to_queue, '') AS to_key,
           l.cause, count(DISTINCT l.user_id) AS users
    FROM late l
    LEFT JOIN LATERAL (  -- a probe per late event (the planner guesses a third of the table)
        SELECT true AS seen FROM queue_events o
        WHERE o.user_id = l.user_id AND o.occurred_at >= l.starts AND o.occurred_at < l.ends
          AND o.from_queue IS NOT DISTINCT FROM l.from_queue
          AND o.to_queue IS NOT DISTINCT FROM l.to_queue
          AND coalesce(o.cause, 'OTHER') = l.cause
          AND (o.xact IS NULL OR pg_visible_in_snapshot(o.xact::text::xid8, """ + _SNAPSHOT + """))
        LIMIT 1) counted ON true
    WHERE counted.seen IS NULL
    GROUP BY 1, 2, 3, 4
)
SELECT bucket_start, from_queue, to_queue, cause, sum(users)::bigint AS users FROM (
    SELECT r.bucket_start, nullif(r.from_queue, '') AS from_queue,
           nullif(r.to_queue, '') AS to_queue, r.cause, r.users
    FROM queue_movement_rollups r  -- the rolled buckets run on end to end: one index range
    WHERE r.bucket = $3::text AND r.bucket_start
          BETWEEN (SELECT min(label) FROM rolled) AND (SELECT max(label) FROM rolled)
    UNION ALL  -- added to their group's rolled-up users
    SELECT label, nullif(from_key, ''), nullif(to_key, ''), cause, users FROM newcomers
    UNION ALL
    SELECT date_trunc($3::text, e.occurred_at AT TIME ZONE 'Europe/London')
               AT TIME ZONE 'Europe/London',
           e.from_queue, e.to_queue, coalesce(e.cause, 'OTHER'), count(DISTINCT e.user_id)
    FROM live JOIN queue_events e ON e.occurred_at >= live.starts AND e.occurred_at < live.ends
    GROUP BY 1, 2, 3, 4
) counted
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2 NULLS FIRST, 3 NULLS FIRST, 4
"""

# What a rollup run recomputes, up to $1 (the start of the current UTC hour): every
# bucket of either kind that has closed since the last run (from the first event's hour
# on the first run; a day reaches back 25 hours) or holds an event committed since its
# snapshot, inside the rolled range; with the snapshot this was read at.
PLAN = """
WITH state AS (
    SELECT coalesce(rolled_from, '-infinity') AS rolled_from,
           coalesce(rolled_until, (SELECT date_trunc('hour', min(occurred_at) AT TIME ZONE 'UTC')
                                          AT TIME ZONE 'UTC' FROM queue_events)) AS since
    FROM queue_movement_rollup_state
), units AS (
    SELECT unit FROM (VALUES ('hour'), ('day')) AS u(unit)
), fresh AS (
    SELECT DISTINCT date_trunc('hour', e.occurred_at AT TIME ZONE 'UTC') AS hour
    FROM queue_events e WHERE """ + _LATE + """ AND e.occurred_at < $1
), closing AS (
    SELECT h AT TIME ZONE 'UTC' AS hour
    FROM state s, generate_series(s.since - interval '25 hours', $1 - interval '1 hour',
                                  interval '1 hour') AS h
), chosen AS (
    SELECT u.unit, date_trunc(u.unit, c.hour AT TIME ZONE 'UTC' AT TIME ZONE 'Europe/London')
           AS local, bool_or(c.fresh) AS fresh
    FROM (SELECT hour, true AS fresh FROM fresh UNION ALL SELECT hour, false FROM closing) c,
         units u
    GROUP BY 1, 2
), ranges AS (
    SELECT c.unit, c.local, c.fresh, min(h) AS starts, max(h) + interval '1 hour' AS ends
    FROM chosen c, generate_series((c.local AT TIME ZONE 'UTC') - interval '1 hour',
                                   (c.local + ('1 ' || c.unit)::interval) AT TIME ZONE 'UTC',
                                   interval '1 hour') AS h
    WHERE date_trunc(c.unit, h AT TIME ZONE 'Europe/London') = c.local
    GROUP BY 1, 2, 3
)
SELECT pg_current_snapshot()::text AS snapshot, array_agg(r.unit) AS units,
       array_agg(r.local AT TIME ZONE 'Europe/London') AS labels,
       array_agg(r.starts) AS starts, array_agg(r.ends) AS ends
FROM ranges r, state s
WHERE r.ends <= $1 AND r.starts >= s.rolled_from AND (r.fresh OR r.ends > s.since)
"""

# $1 units, $2 labels, $3 starts, $4 ends: the buckets PLAN chose.
CLEAR = """
DELETE FROM queue_movement_rollups r
USING unnest($1::text[], $2::timestamptz[]) AS k(unit, label)
WHERE r.bucket = k.unit AND r.bucket_start = k.label
"""
# The events committed by PLAN's snapshot ($5) alone: one committed since is late (the
# read adds it, the next run counts it), never counted twice.
FILL = """
INSERT INTO queue_movement_rollups (bucket, bucket_start, from_queue, to_queue, cause, users)
SELECT k.unit, k.label, coalesce(e.from_queue, ''), coalesce(e.to_queue, ''),
       coalesce(e.cause, 'OTHER'), count(DISTINCT e.user_id)
FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::timestamptz[])
     AS k(unit, label, starts, ends)
JOIN queue_events e ON e.occurred_at >= k.starts AND e.occurred_at < k.ends
WHERE e.xact IS NULL OR pg_visible_in_snapshot(e.xact::text::xid8, $5::text::pg_snapshot)
GROUP BY 1, 2, 3, 4, 5
"""
SAVE = """
UPDATE queue_movement_rollup_state
SET snapshot = $1, rolled_until = greatest(coalesce(rolled_until, $2), $2)
RETURNING rolled_until
"""
# Before queue events older than $1 are deleted: the rollup gives up every bucket before
# the next London midnight, which are counted live from then on.
FORGET = """
WITH bound AS (
    SELECT (date_trunc('day', $1 AT TIME ZONE 'Europe/London') + interval '1 day')
           AT TIME ZONE 'Europe/London' AS at
), moved AS (
    UPDATE queue_movement_rollup_state s
    SET rolled_from = greatest(coalesce(s.rolled_from, b.at), b.at) FROM bound b
    RETURNING s.rolled_from
)
DELETE FROM queue_movement_rollups WHERE bucket_start < (SELECT rolled_from FROM moved)
"""
LOCK_STATE = "SELECT 1 FROM queue_movement_rollup_state FOR UPDATE"
