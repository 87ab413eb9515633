"""Random changes to users' replica rows and to the dialler's own data, for queue properties."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import strategies as st

from tests.queue_env import NOW

PHONES = ["07911 123456", "+447700900123", "n/a", "0161 234 5678", None]
LENDERS = ["Santander", " lloyds bank ", "Halifax", None]
CLAIM_STATUSES = ["new", "in_progress", "submitted", "complete", "rejected", None]
OUTCOMES = ["no_answer", "contacted", "not_interested", "callback_requested", "busy", None]


def op_strategy(users: int):
    """A random change to one of ``users`` users' replica rows or the dialler's own data."""
    user = st.integers(0, users - 1)
    return st.one_of(
        st.tuples(st.just("signature"), user, st.sampled_from([None, 0, 77])),
        st.tuples(st.just("enabled"), user, st.sampled_from([1, 0, None])),
        st.tuples(st.just("status"), user, st.sampled_from(["active", "inactive", None])),
        st.tuples(st.just("phone"), user, st.sampled_from(PHONES)),
        st.tuples(st.just("add_claim"), user, st.sampled_from(CLAIM_STATUSES),
                  st.sampled_from(LENDERS)),
        st.tuples(st.just("claim_status"), user, st.sampled_from(CLAIM_STATUSES)),
        st.tuples(st.just("lender"), user, st.sampled_from(LENDERS)),
        st.tuples(st.just("birth"), user, st.sampled_from(["1950-03-04", "2001-12-31", None])),
        st.tuples(st.just("delete_claims"), user),
        st.tuples(st.just("requirement"), user, st.sampled_from(["PENDING", "COMPLETED"])),
        st.tuples(st.just("complete_requirements"), user),
        st.tuples(st.just("do_not_call"), user),
        st.tuples(st.just("callback"), user, st.sampled_from([-30, 30])),
        st.tuples(st.just("cancel_callbacks"), user),
        st.tuples(st.just("history"), user, st.sampled_from(OUTCOMES), st.integers(0, 3),
                  st.sampled_from([-5, 3, None]), st.sampled_from([None, 1, 5, 30, 70])),
        st.tuples(st.just("wrong_number"), user),
    )


async def apply(services, rows, users, op) -> int:
    kind, index, *args = op
    user = users[index]
    db = rows.db
    if kind == "signature":
        await db.execute("UPDATE users SET current_signature_file_id = %s WHERE id = %s",
                         (args[0], user))
    elif kind == "enabled":
        await db.execute("UPDATE users SET is_enabled = %s WHERE id = %s", (args[0], user))
    elif kind == "status":
        await db.execute("UPDATE users SET status = %s WHERE id = %s", (args[0], user))
    elif kind == "phone":
        await db.execute("UPDATE users SET phone_number = %s WHERE id = %s", (args[0], user))
    elif kind == "add_claim":
        await rows.claim(user, status=args[0], lender=args[1])
    elif kind == "lender":
        await db.execute("UPDATE claims SET lender = %s WHERE user_id = %s", (args[0], user))
    elif kind == "birth":
        await db.execute("UPDATE users SET date_of_birth = %s WHERE id = %s", (args[0], user))
    elif kind == "claim_status":
        await db.execute("UPDATE claims SET status = %s WHERE user_id = %s", (args[0], user))
    elif kind == "delete_claims":
        await db.execute("DELETE FROM claims WHERE user_id = %s", (user,))
    elif kind == "requirement":
        claims = await db.fetch("SELECT id FROM claims WHERE user_id = %s", (user,))
        if claims:
            await rows.requirement(claims[0][0], status=args[0])
    elif kind == "complete_requirements":
        await db.execute("UPDATE claim_requirements SET status = 'COMPLETED' WHERE claim_id IN "
                         "(SELECT id FROM claims WHERE user_id = %s)", (user,))
    else:
        await _dialler_change(services, user, kind, args)
    return user


async def _dialler_change(services, user, kind, args) -> None:
    async with services.pg.acquire() as conn:
        if kind == "do_not_call":
            await conn.execute("INSERT INTO do_not_call (user_id, reason) VALUES ($1, 'test') "
                               "ON CONFLICT DO NOTHING", user)
        elif kind == "callback":
            await conn.execute(
                "INSERT INTO callbacks (user_id, scheduled_for, status, personal) "
                "VALUES ($1, $2, 'pending', false)", user, NOW + timedelta(minutes=args[0]))
        elif kind == "cancel_callbacks":
            await conn.execute("UPDATE callbacks SET status = 'cancelled' WHERE user_id = $1",
                               user)
        elif kind == "history":
            outcome, failed, hours, called = args
            until = NOW + timedelta(hours=hours) if hours is not None else None
            # hours before NOW: the retry spacing's gaps (the moments tried are on NOW's day)
            last = NOW - timedelta(hours=called) if called is not None else None
            await conn.execute(
                "INSERT INTO call_scores (user_id, current_score, total_attempts, "
                "failed_attempts, last_outcome, next_call_after, last_called_at) "
                "VALUES ($1, 0, 0, $2, $3, $4, $5) "
                "ON CONFLICT (user_id) DO UPDATE SET failed_attempts = $2, last_outcome = $3, "
                "next_call_after = $4, last_called_at = $5", user, failed, outcome, until,
                last)
        elif kind == "wrong_number":
            await conn.execute(
                "INSERT INTO call_blocks (user_id, wrong_number_phone) SELECT $1, raw FROM "
                "user_phones WHERE user_id = $1 ON CONFLICT (user_id) DO UPDATE SET "
                "wrong_number_phone = EXCLUDED.wrong_number_phone", user)


async def reset(services, rows, users) -> None:
    """Every example starts from the same populated state: half unsigned, half with a
    pending document, no dialler history; then the queue is rebuilt from it."""
    marks = ", ".join(["%s"] * len(users))
    db = rows.db
    await db.execute(f"DELETE FROM claim_requirements WHERE claim_id IN "
                     f"(SELECT id FROM claims WHERE user_id IN ({marks}))", users)
    await db.execute(f"DELETE FROM claims WHERE user_id IN ({marks})", users)
    await db.execute(f"UPDATE users SET current_signature_file_id = NULL, is_enabled = 1, "
                     f"status = 'active', phone_number = '07911 123456', date_of_birth = NULL "
                     f"WHERE id IN ({marks})",
                     users)
    for i, user in enumerate(users):
        claim = await rows.claim(user, lender=LENDERS[i % len(LENDERS)])
        if i % 2:
            await db.execute("UPDATE users SET current_signature_file_id = 1 WHERE id = %s",
                             (user,))
            await rows.requirement(claim)
    async with services.pg.acquire() as conn:
        for table in ("do_not_call", "callbacks", "call_scores", "call_blocks"):
            await conn.execute(f"DELETE FROM {table} WHERE user_id = ANY($1::bigint[])", users)
    await services.queues.rebuild()
