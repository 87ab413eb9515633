"""UserContext end to end: replica rows + call score, through HTTP, cache and loaders."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from domain.agents.model import Role
from tests.conftest import error_codes, expired_token
from tests.contracts import OPERATIONS

pytestmark = pytest.mark.integration

USER_CONTEXT = """
query UserContext($userId: ID!) {
  userContext(userId: $userId) {
    user { id firstName lastName phoneNumber phoneNumberE164 email status isEnabled
           address { fullAddress postCode county } }
    claims { id type status lender solicitor lastUpdated
             requirements { id type status reason }
             vehiclePackages { registration make model dealership monthlyPayment } }
    callScore { currentScore totalAttempts lastOutcome nextCallAfter }
  }
}"""


async def _user_with_everything(rows) -> dict:
    user_id = await rows.user(phone_number="(0)7911-123456", email="amelia@example.com")
    await rows.address(user_id)
    open_claim = await rows.claim(user_id, lender=" SANTANDER UK ")
    closed_claim = await rows.claim(user_id, status="complete", lender="Lloyds Bank")
    requirement = await rows.requirement(open_claim)
    await rows.requirement(closed_claim, status="COMPLETED", type="id_document")
    await rows.vehicle_package(open_claim)
    return {"user": user_id, "open_claim": open_claim, "requirement": requirement}


async def _set_call_score(services, user_id: int, score: float) -> None:
    async with services.engine.begin() as conn:
        await conn.execute(text(
            "INSERT INTO call_scores (user_id, current_score, total_attempts, failed_attempts, "
            "last_outcome, next_call_after) VALUES (:u, :s, 3, 2, 'no_answer', "
            "'2026-11-21T13:00:00+00') ON CONFLICT (user_id) DO UPDATE SET current_score = :s"),
            {"u": user_id, "s": score})


async def test_context_merges_replica_rows_and_call_score(gql, services, replica_rows,
                                                          make_agent):
    ids = await _user_with_everything(replica_rows)
    await _set_call_score(services, ids["user"], -42.5)
    _, token = await make_agent("SUPERVISOR")

    body = await gql(USER_CONTEXT, {"userId": str(ids["user"])}, token)

    assert "errors" not in body, body
    ctx = body["data"]["userContext"]
    assert ctx["user"]["firstName"] == "Amelia"
    assert ctx["user"]["phoneNumber"] == "(0)7911-123456"
    assert ctx["user"]["phoneNumberE164"] == "+447911123456"
    assert ctx["user"]["isEnabled"] is True
    assert ctx["user"]["address"] == {"fullAddress": "1 High Street, Leeds",
                                      "postCode": "LS1 4AP", "county": "West Yorkshire"}
    assert [c["status"] for c in ctx["claims"]] == ["in_progress", "complete"]
    open_claim = ctx["claims"][0]
    assert open_claim["lender"] == "SANTANDER UK"
    assert open_claim["requirements"] == [{"id": ids["requirement"], "type": "bank_statement",
                                           "status": "PENDING",
                                           "reason": "Need 3 months of statements"}]
    assert open_claim["vehiclePackages"][0]["monthlyPayment"] == "249.99"
    assert ctx["callScore"] == {"currentScore": -42.5, "totalAttempts": 3,
                                "lastOutcome": "NO_ANSWER",
                                "nextCallAfter": "2026-11-21T13:00:00+00:00"}


async def test_unknown_user_is_null_and_malformed_id_is_a_validation_error(gql, make_agent):
    _, token = await make_agent("SUPERVISOR")
    assert (await gql(USER_CONTEXT, {"userId": "987654321"}, token))["data"] == {
        "userContext": None}
    body = await gql(USER_CONTEXT, {"userId": "12; DROP TABLE users"}, token)
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert "user id must be a positive whole number" in body["errors"][0]["message"]


async def test_unsafe_phone_numbers_have_no_e164(gql, replica_rows, make_agent):
    _, token = await make_agent("SUPERVISOR")
    for raw in ("n/a", "07700 900123", None):
        user_id = await replica_rows.user(phone_number=raw)
        body = await gql(USER_CONTEXT, {"userId": str(user_id)}, token)
        assert body["data"]["userContext"]["user"]["phoneNumberE164"] is None, raw


async def test_messy_values_are_tolerated(gql, replica_rows, make_agent):
    _, token = await make_agent("SUPERVISOR")
    user_id = await replica_rows.user(status=None, is_enabled=None, date_of_birth=None,
                                      email=None, first_name="  ")
    body = await gql(USER_CONTEXT, {"userId": str(user_id)}, token)
    user = body["data"]["userContext"]["user"]
    assert (user["status"], user["isEnabled"], user["firstName"]) == (None, None, None)
    assert body["data"]["userContext"]["callScore"] is None


async def test_tokens_are_required_and_checked(gql, replica_rows, make_agent):
    user_id = str(await replica_rows.user())
    agent, _ = await make_agent()
    missing = await gql(USER_CONTEXT, {"userId": user_id})
    assert error_codes(missing) == ["UNAUTHENTICATED"]
    assert missing["errors"][0]["extensions"]["reason"] == "MISSING_TOKEN"
    expired = await gql(USER_CONTEXT, {"userId": user_id}, expired_token(agent.id, Role.AGENT))
    assert expired["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED",
                                                  "reason": "TOKEN_EXPIRED"}
    forged = await gql(USER_CONTEXT, {"userId": user_id}, "eyJhbGciOiJIUzI1NiJ9.e30.bad")
    assert forged["errors"][0]["extensions"]["reason"] == "INVALID_TOKEN"
    assert forged["data"] == {"userContext": None}


async def test_context_is_cached_until_invalidated(gql, services, replica_rows, make_agent):
    _, token = await make_agent("SUPERVISOR")
    user_id = await replica_rows.user(first_name="Before")
    first = await gql(USER_CONTEXT, {"userId": str(user_id)}, token)
    await replica_rows.db.execute("UPDATE users SET first_name = 'After' WHERE id = %s",
                                  (user_id,))
    cached = await gql(USER_CONTEXT, {"userId": str(user_id)}, token)
    assert cached == first
    assert await services.user_context_cache.invalidate([user_id]) is True
    fresh = await gql(USER_CONTEXT, {"userId": str(user_id)}, token)
    assert fresh["data"]["userContext"]["user"]["firstName"] == "After"


async def _statements_for(gql, services, token, user_ids) -> int:
    await services.user_context_cache.invalidate(user_ids)
    query = "query($ids: [ID!]!) { userContexts(userIds: $ids) { user { id } " \
            "claims { requirements { id } vehiclePackages { make } } callScore { currentScore } } }"
    db = services.replica.db
    pg = services.engine.sync_engine
    counted = {"pg": 0}

    def count(*_args, **_kw):
        counted["pg"] += 1

    from sqlalchemy import event
    event.listen(pg, "before_cursor_execute", count)
    before = db.statements
    try:
        body = await gql(query, {"ids": [str(u) for u in user_ids]}, token)
    finally:
        event.remove(pg, "before_cursor_execute", count)
    assert "errors" not in body, body
    assert [c["user"]["id"] for c in body["data"]["userContexts"]] == [str(u) for u in user_ids]
    return db.statements - before + counted["pg"]


async def test_fifty_contexts_cost_the_same_statements_as_five(gql, services, replica_rows,
                                                               make_agent):
    _, token = await make_agent("SUPERVISOR")
    users = [(await _user_with_everything(replica_rows))["user"] for _ in range(50)]
    five = await _statements_for(gql, services, token, users[:5])
    fifty = await _statements_for(gql, services, token, users)
    assert five == fifty <= 6


async def test_contract_user_operation_runs(gql, replica_rows, make_agent):
    _, token = await make_agent("INTEGRATION")
    user_id = (await _user_with_everything(replica_rows))["user"]
    body = await gql((OPERATIONS / "user.graphql").read_text(), {"userId": str(user_id)}, token)
    assert "errors" not in body, body
    assert body["data"]["userContext"]["user"]["id"] == str(user_id)
