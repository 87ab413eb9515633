"""searchUsers (contracts/operations/admin.graphql) on PostgreSQL's pg_trgm and a MariaDB
replica: every way of writing a number, e-mail, claim id, fuzzy names, the index following
the replica, the roles and bad queries."""

from __future__ import annotations

import itertools
import json
import uuid

import pytest

from tests.admin_api import admin_env, error_code

pytestmark = pytest.mark.integration
_NUMBERS = itertools.count(600)


@pytest.fixture(scope="module")
async def env():
    async with admin_env() as built:
        yield built


@pytest.fixture(scope="module")
async def supervisor(env):
    return (await env[3].person("SUPERVISOR"))[1]


async def _indexed(env, **columns) -> int:
    services, rows, _, _ = env
    user = await rows.user(**columns)
    await services.search_keeper.refresh([user])
    return user


async def _search(env, token: str, query: str, first: int = 10) -> list[dict]:
    found = await env[3].op("SearchUsers", {"query": query, "first": first}, token)
    return found["searchUsers"]


def _hit(results: list[dict], user: int) -> dict | None:
    return next((r for r in results if r["user"]["id"] == str(user)), None)


async def test_a_number_is_found_however_it_is_written(env, supervisor):
    n = next(_NUMBERS)
    user = await _indexed(env, phone_number=f"07912 345{n:03d}", first_name="Phoebe",
                          last_name="Numbers")
    for written in (f"07912345{n:03d}", f"+44 7912 345{n:03d}", f"447912345{n:03d}",
                    f"(07912) 345-{n:03d}", f"+44 (0)7912 345{n:03d}", f"0044 7912 345{n:03d}",
                    f"7912 345{n:03d}"):
        hit = _hit(await _search(env, supervisor, written), user)
        assert hit and (hit["matchedOn"], hit["rank"]) == ("PHONE", 1.0), written
    assert hit["user"] == {"id": str(user), "firstName": "Phoebe", "lastName": "Numbers",
                           "phoneNumber": f"07912 345{n:03d}", "email": "amelia@example.com"}
    partial = _hit(await _search(env, supervisor, f"07912 345{n:03d}"[:9]), user)
    assert partial and partial["matchedOn"] == "PHONE" and 0.5 <= partial["rank"] < 1.0


async def test_an_email_whole_or_its_start_in_any_case(env, supervisor):
    local = f"zed.{uuid.uuid4().hex[:8]}"
    user = await _indexed(env, email=f"{local.upper()}@Example.COM")
    whole = _hit(await _search(env, supervisor, f"{local}@example.com"), user)
    assert (whole["matchedOn"], whole["rank"]) == ("EMAIL", 1.0)
    start = _hit(await _search(env, supervisor, f"{local}@ex"), user)
    assert start["matchedOn"] == "EMAIL" and start["rank"] < 1.0


async def test_a_claim_id_finds_its_user(env, supervisor):
    services, rows, _, _ = env
    user = await rows.user()
    claim = await rows.claim(user)
    await services.search_keeper.refresh([user])
    results = await _search(env, supervisor, str(claim))
    assert [(r["user"]["id"], r["matchedOn"], r["rank"]) for r in results] == [
        (str(user), "CLAIM_ID", 1.0)]


async def test_names_match_fuzzily_best_first(env, supervisor):
    exact = await _indexed(env, first_name="Zebedee", last_name="Quarrington")
    near = await _indexed(env, first_name="Zebedy", last_name="Quarington")
    other = await _indexed(env, first_name="Barnaby", last_name="Quarrington")
    results = await _search(env, supervisor, "zebedee quarrington")
    ranked = [int(r["user"]["id"]) for r in results]
    assert ranked.index(exact) < ranked.index(near)
    assert results[0]["rank"] == 1.0 and {r["matchedOn"] for r in results} == {"NAME"}
    misspelt = [int(r["user"]["id"]) for r in await _search(env, supervisor, "Zebedy Quarington")]
    assert misspelt[0] == near and exact in misspelt
    surname = {int(r["user"]["id"]) for r in await _search(env, supervisor, "QUARRINGTON")}
    assert {exact, other} <= surname
    accented = await _indexed(env, first_name="Zoë", last_name="O'Flannagan-Brûlé")
    found = await _search(env, supervisor, "zoe o flannagan brule")
    assert found[0]["user"]["id"] == str(accented) and found[0]["rank"] == 1.0


async def test_the_index_follows_the_replica(env, supervisor):
    services, rows, _, _ = env
    user = await _indexed(env, first_name="Ottoline", last_name="Pemberton")
    await rows.db.execute("UPDATE users SET last_name = 'Fairweather' WHERE id = %s", (user,))
    assert await services.search_keeper.refresh([user]) == 1
    assert await services.search_keeper.refresh([user]) == 0  # nothing moved: no write
    assert _hit(await _search(env, supervisor, "Ottoline Fairweather"), user)
    assert not _hit(await _search(env, supervisor, "Ottoline Pemberton"), user)
    await rows.db.execute("DELETE FROM users WHERE id = %s", (user,))
    unindexed = await rows.user(first_name="Ottoline", last_name="Fairweather")
    await services.search_keeper.rebuild()  # a full reconciliation: deletions go too
    found = {int(r["user"]["id"]) for r in await _search(env, supervisor, "Ottoline Fairweather")}
    assert unindexed in found and user not in found
    assert await services.pg.fetchval(
        "SELECT count(*) FROM user_search WHERE user_id = $1", user) == 0
    assert await services.pg.fetchval(  # the name no one has any more is gone too
        "SELECT count(*) FROM user_search_names WHERE name_key = 'ottoline pemberton'") == 0


async def test_a_user_gone_from_the_replica_before_the_index_heard_is_left_out(env,
                                                                              supervisor):
    services, rows, _, _ = env
    user = await _indexed(env, first_name="Wilhelmina", last_name="Gonebefore")
    await rows.db.execute("DELETE FROM users WHERE id = %s", (user,))
    assert not _hit(await _search(env, supervisor, "Wilhelmina Gonebefore"), user)


async def test_only_supervisors_and_admins_search_and_each_read_is_audited(env, supervisor):
    services, _, _, api = env
    user = await _indexed(env, first_name="Audrey", last_name="Audited")
    for role in ("AGENT", "INTEGRATION"):
        _, token, _ = await api.person(role)
        refused = await api.contract("SearchUsers", {"query": "Audrey", "first": 5}, token)
        assert error_code(refused)[0] == "FORBIDDEN" and refused["data"] is None, role
    admin_id, admin, _ = await api.person("ADMIN")
    assert _hit(await _search(env, admin, "Audrey Audited"), user)
    await services.audit_writer.flush()
    assert await services.pg.fetchval(
        "SELECT count(*) FROM audit_log WHERE agent_id = $1 AND user_id = $2 "
        "AND operation = 'SearchUsers'", uuid.UUID(admin_id), user) == 1


@pytest.mark.parametrize("query, first, field, reason", [
    ("", 5, "query", "at least 2 letters or digits"),
    ("a", 5, "query", "at least 2 letters or digits"),
    ("  b  ", 5, "query", "at least 2 letters or digits"),
    ("--", 5, "query", "at least 2 letters or digits"),
    ("x" * 201, 5, "query", "longer than 200"),
    ("12 34", 5, "query", "neither a phone number"),
    ("smith", 0, "first", "between 1 and 50"),
    ("smith", 51, "first", "between 1 and 50"),
])
async def test_a_bad_query_is_refused_by_name(env, supervisor, query, first, field, reason):
    body = await env[3].contract("SearchUsers", {"query": query, "first": first}, supervisor)
    code, _ = error_code(body)
    extensions = body["errors"][0]["extensions"]
    assert code == "BAD_USER_INPUT" and extensions.get("field") == field, body
    assert reason in body["errors"][0]["message"]


@pytest.mark.parametrize("query", ["ab\\u0000cd", "ab\\ud800cd", "07912\\u0000345678",
                                   "a@\\udfff"])
async def test_hostile_text_is_refused_not_a_server_error(env, supervisor, query):
    """Sent as JSON escapes: a NUL, or half of a surrogate pair, in the query."""
    operation = json.dumps(
        "query($q: String!, $n: Int!) { searchUsers(query: $q, first: $n) { rank } }")
    raw = f'{{"query": {operation}, "variables": {{"q": "{query}", "n": 5}}}}'
    response = await env[3].http.post("/graphql", content=raw, headers={
        "Authorization": f"Bearer {supervisor}", "Content-Type": "application/json"})
    assert response.status_code in (200, 400), response.text
    body = response.json()
    assert "errors" in body and error_code(body)[0] == "BAD_USER_INPUT", body
