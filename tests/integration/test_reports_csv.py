"""GET /reports/*.csv: the supervisor's GraphQL figures as spreadsheets, and who may."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from tests.integration.test_sessions import Api
from tests.integration.test_supervisor import Floor
from tests.queue_env import NOW, queue_env

pytestmark = pytest.mark.integration
DAY = NOW.replace(hour=0)
PERIOD = {"from": DAY.isoformat(), "to": (DAY + timedelta(days=1)).isoformat()}
PERFORMANCE = ("query($from: DateTime!, $to: DateTime!) { agentPerformance(from: $from, "
               "to: $to) { agent { id name email role } calls answered dispositions contacts "
               "contactRate conversions talkSeconds averageHandleSeconds texts } }")
BREAKDOWN = ("query($from: DateTime!, $to: DateTime!, $by: OutcomeGroup!) { "
             "outcomeBreakdown(from: $from, to: $to, by: $by) { key label outcome count } }")
MOVEMENTS = ("query($from: DateTime!, $to: DateTime!, $bucket: Bucket!) { queueMovements("
             "from: $from, to: $to, bucket: $bucket) { bucketStart fromQueue toQueue cause "
             "users } }")


@pytest.fixture(scope="module")
async def env():
    async with queue_env() as (services, _, _):
        api, floor = Api(services), Floor(services)
        alice, _ = await floor.agent("Alice, \"the\" first")  # a comma and quotes to escape
        bob, _ = await floor.agent("Bob")
        for talk in (120, 60, 0):
            await floor.call(alice, DAY + timedelta(hours=9), talk)
        await floor.call(bob, DAY + timedelta(hours=10), 300)
        for outcome in ("contacted", "no_answer", "busy"):
            await floor.disposition(alice, DAY + timedelta(hours=9, minutes=5), outcome)
        await floor.disposition(bob, DAY + timedelta(hours=10, minutes=5), "contacted",
                                "CALLBACK")
        await floor.conversion(alice, DAY + timedelta(hours=11))
        await floor.text(alice, DAY + timedelta(hours=12))
        _, supervisor = await floor.agent("Sue", "SUPERVISOR")
        yield api, floor, supervisor
        await api.http.aclose()


@pytest.fixture(scope="module")
async def movements(env):
    """Users moving on DAY, most of it rolled up (to NOW, 10:00) and the rest counted live."""
    services = env[0].services
    async with services.pg.acquire() as conn:
        await conn.executemany(
            "INSERT INTO queue_events (user_id, kind, from_queue, to_queue, reason, "
            "occurred_at, cause) VALUES ($1, $2, $3, $4, 'test', $5, $6)",
            [(user, kind, origin, destination, DAY + timedelta(hours=hour, minutes=user), cause)
             for user in range(1, 6)
             for hour, kind, origin, destination, cause in (
                 (8, "ADDED", None, "UNSIGNED", None),  # written before causes: OTHER
                 (9, "MOVED", "UNSIGNED", "CALLBACK", "CALLBACK_DUE"),
                 (11, "REMOVED", "CALLBACK", None, "DISPOSITION"))])
    await services.movement_rollup.run()


async def _csv(api, path: str, token: str | None, **params) -> tuple[int, dict, list[dict]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await api.http.get(path, params=params, headers=headers)
    rows = list(csv.DictReader(io.StringIO(response.text))) if response.status_code == 200 \
        else [response.json()]
    return response.status_code, response.headers, rows


def _figure(text: str) -> float | None:
    return None if text == "" else float(text)


async def test_agent_performance_csv_is_the_graphql_figures(env):
    api, _, supervisor = env
    status, headers, rows = await _csv(api, "/reports/agent-performance.csv", supervisor,
                                       **PERIOD)
    assert status == 200 and headers["content-type"].startswith("text/csv")
    assert headers["content-disposition"] == (
        'attachment; filename="agent-performance-20261124T0000-20261125T0000.csv"')
    graphql = (await api(PERFORMANCE, PERIOD, supervisor))["agentPerformance"]
    assert len(rows) == len(graphql) == 2
    by_id = {r["agent_id"]: r for r in rows}
    for figures in graphql:
        row = by_id[figures["agent"]["id"]]
        assert (row["agent_name"], row["agent_email"], row["role"]) == (
            figures["agent"]["name"], figures["agent"]["email"], figures["agent"]["role"])
        for column, field in [("calls", "calls"), ("answered", "answered"),
                              ("dispositions", "dispositions"), ("contacts", "contacts"),
                              ("conversions", "conversions"), ("talk_seconds", "talkSeconds"),
                              ("texts", "texts")]:
            assert int(row[column]) == figures[field], column
        assert _figure(row["contact_rate"]) == figures["contactRate"]
        assert _figure(row["average_handle_seconds"]) == figures["averageHandleSeconds"]
    alice = next(r for r in rows if r["agent_name"].startswith("Alice"))
    assert alice["agent_name"] == 'Alice, "the" first' and alice["calls"] == "3"


@pytest.mark.parametrize("by", ["QUEUE", "AGENT", "HOUR", "LENDER"])
async def test_outcomes_csv_is_the_graphql_breakdown(env, by):
    api, _, supervisor = env
    status, headers, rows = await _csv(api, "/reports/outcomes.csv", supervisor, by=by,
                                       **PERIOD)
    assert status == 200
    graphql = (await api(BREAKDOWN, {**PERIOD, "by": by}, supervisor))["outcomeBreakdown"]
    assert [(r["key"], r["label"], r["outcome"], int(r["count"])) for r in rows] == [
        (g["key"], g["label"], g["outcome"], g["count"]) for g in graphql]
    assert len(rows) >= 2 or by == "LENDER"
    assert f"outcomes-by-{by.lower()}-" in headers["content-disposition"]


@pytest.mark.parametrize("bucket", ["HOUR", "DAY"])
async def test_queue_movements_csv_is_the_graphql_movements(env, movements, bucket):
    api, _, supervisor = env
    status, headers, rows = await _csv(api, "/reports/queue-movements.csv", supervisor,
                                       bucket=bucket, **PERIOD)
    assert status == 200
    assert headers["content-disposition"] == (
        f'attachment; filename="queue-movements-by-{bucket.lower()}-20261124T0000-'
        '20261125T0000.csv"')
    graphql = (await api(MOVEMENTS, {**PERIOD, "bucket": bucket}, supervisor))[
        "queueMovements"]
    assert [(r["bucket_start"], r["from_queue"], r["to_queue"], r["cause"], int(r["users"]))
            for r in rows] == [(g["bucketStart"], g["fromQueue"] or "", g["toQueue"] or "",
                                g["cause"], g["users"]) for g in graphql]
    assert len(rows) == 3 and {int(r["users"]) for r in rows} == {5}
    assert rows[0]["from_queue"] == "" and rows[0]["cause"] == "OTHER"


async def test_an_empty_period_is_a_header_row_alone(env):
    api, _, supervisor = env
    headers = {"Authorization": f"Bearer {supervisor}"}
    response = await api.http.get("/reports/agent-performance.csv", headers=headers, params={
        "from": "2026-07-01T00:00:00Z", "to": "2026-07-02T00:00:00Z"})
    assert response.text == ("agent_id,agent_name,agent_email,role,calls,answered,"
                             "dispositions,contacts,contact_rate,conversions,talk_seconds,"
                             "average_handle_seconds,texts\r\n")


async def test_only_a_supervisor_or_admin_takes_a_report(env):
    api, floor, _ = env
    for path, params in (("/reports/agent-performance.csv", PERIOD),
                         ("/reports/outcomes.csv", PERIOD),
                         ("/reports/queue-movements.csv", {**PERIOD, "bucket": "DAY"})):
        status, headers, (body,) = await _csv(api, path, None, **params)
        assert (status, body["error"], body["reason"]) == (401, "UNAUTHENTICATED",
                                                           "MISSING_TOKEN")
        assert headers["www-authenticate"] == "Bearer"
        for role in ("AGENT", "INTEGRATION"):
            _, token = await floor.agent(f"A {role.title()}", role)
            status, _, (body,) = await _csv(api, path, token, **params)
            assert (status, body["error"]) == (403, "FORBIDDEN")
        for role in ("SUPERVISOR", "ADMIN"):
            _, token = await floor.agent(f"A {role.title()}", role)
            assert (await _csv(api, path, token, **params))[0] == 200
        status, _, (body,) = await _csv(api, path, "not.a.token", **params)
        assert (status, body["error"]) == (401, "UNAUTHENTICATED")


async def test_a_bad_period_is_refused_by_name(env):
    api, _, supervisor = env
    status, _, (body,) = await _csv(api, "/reports/outcomes.csv", supervisor,
                                    **{"from": PERIOD["to"], "to": PERIOD["from"]})
    assert (status, body["error"], body["field"]) == (400, "BAD_USER_INPUT", "from")
    status, _, (body,) = await _csv(api, "/reports/outcomes.csv", supervisor, by="WEEKDAY",
                                    **PERIOD)
    assert status == 422  # FastAPI names the parameter and the values it takes
    assert body["detail"][0]["loc"] == ["query", "by"]


async def test_a_bad_queue_movements_report_is_refused_by_name(env):
    api, _, supervisor = env
    path = "/reports/queue-movements.csv"
    status, _, (body,) = await _csv(api, path, supervisor, bucket="DAY",
                                    **{"from": PERIOD["to"], "to": PERIOD["from"]})
    assert (status, body["error"], body["field"]) == (400, "BAD_USER_INPUT", "from")
    assert body["message"] == "from must be before to"
    status, _, (body,) = await _csv(api, path, supervisor, bucket="DAY",
                                    **{"from": "2026-01-01T00:00:00Z", "to": PERIOD["to"]})
    assert (status, body["field"]) == (400, "to")
    for params in ({"bucket": "WEEK", **PERIOD}, PERIOD):  # unknown, or none
        status, _, (body,) = await _csv(api, path, supervisor, **params)
        assert status == 422 and body["detail"][0]["loc"] == ["query", "bucket"]
