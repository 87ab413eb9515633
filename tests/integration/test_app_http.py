"""The app's plain HTTP side and its protections."""

from __future__ import annotations

import httpx
import pytest

from infrastructure.bootstrap import bootstrap
from tests.conftest import error_codes
from tests.services import free_port

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("path", ["/health", "/api/health"])
async def test_health_is_alive(client, path):
    response = await client.get(path)
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/ready", "/api/ready"])
async def test_ready_when_every_dependency_answers(client, path):
    response = await client.get(path)
    assert response.status_code == 200
    assert response.json()["checks"] == {"postgres": "ok", "replica": "ok", "redis": "ok"}


async def test_metrics_count_requests_and_cache(client, gql, make_agent, replica_rows):
    _, token = await make_agent("SUPERVISOR")
    user_id = await replica_rows.user()
    await gql('query($u: ID!) { userContext(userId: $u) { user { id } } }', {"u": str(user_id)},
              token)
    text = (await client.get("/metrics")).text
    assert 'dialler_http_requests_total{method="POST",route="/graphql",status="200"}' in text
    assert 'dialler_cache_requests_total{cache="user_context",result="miss"}' in text


async def test_oversized_bodies_are_refused(client):
    response = await client.post("/graphql", content=b"x" * (300 * 1024),
                                 headers={"content-type": "application/json"})
    assert response.status_code == 413


async def test_alias_and_token_limits(gql):
    aliases = "query { " + " ".join(f"a{i}: __typename" for i in range(31)) + " }"
    body = await gql(aliases)
    assert body["data"] is None and "aliases" in body["errors"][0]["message"].lower()
    tokens = "query { " + " ".join(["__typename"] * 2100) + " }"
    body = await gql(tokens)
    assert body["data"] is None and "token" in body["errors"][0]["message"].lower()


async def test_query_depth_is_limited(services):
    from graphql_api.schema import build_schema

    schema = build_schema(max_depth=2)
    result = await schema.execute(
        "query { userContext(userId: 1) { claims { requirements { id } } } }")
    assert result.errors and "exceeds maximum operation depth" in result.errors[0].message


async def test_redis_down_degrades_to_the_databases(settings, replica_rows, make_agent):
    from graphql_api.app import create_app

    broken = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"})
    services = await bootstrap(broken)
    try:
        agent_user = await replica_rows.user(first_name="Degraded")
        _, token = await make_agent("SUPERVISOR")
        transport = httpx.ASGITransport(app=create_app(services))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            ready = await http.get("/ready")
            body = (await http.post("/graphql", headers={"Authorization": f"Bearer {token}"},
                                    json={"query": "query($u: ID!) { userContext(userId: $u) "
                                                   "{ user { firstName } } }",
                                          "variables": {"u": str(agent_user)}})).json()
    finally:
        await services.close()
    assert ready.status_code == 200 and ready.json()["degraded"] == ["redis"]
    assert body == {"data": {"userContext": {"user": {"firstName": "Degraded"}}}}


async def test_unexpected_errors_are_masked_with_a_code(gql, make_agent, services, monkeypatch):
    _, token = await make_agent("SUPERVISOR")

    async def boom(*_a, **_kw):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(services.replica, "users", boom)
    await services.user_context_cache.invalidate([424242])
    body = await gql("{ userContext(userId: 424242) { user { id } } }", token=token)
    assert error_codes(body) == ["INTERNAL_SERVER_ERROR"]
    assert "secret" not in body["errors"][0]["message"]
