"""With real services configured, the API shows strangers as little as it can: no GraphiQL,
introspection, suggestions or OpenAPI; metrics behind a token; only trusted proxies'
X-Forwarded-For believed; /ready without exception text."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import logging
import re
from contextlib import asynccontextmanager

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import text

from graphql_api.app import create_app
from infrastructure.metrics import serve_metrics
from tests.conftest import error_codes
from tests.services import free_port

pytestmark = pytest.mark.integration
LOGIN = ("mutation($e: String!, $p: String!) { login(email: $e, password: $p) "
         "{ __typename } }")
TYPOS = {  # each would earn a "Did you mean …" from graphql-core
    "a field": ("{ userContxt(userId: 1) { user { id } } }", {}),
    "an argument": ("{ queue(typ: UNSIGNED, first: 1) { totalCount } }", {}),
    "an enum literal": ("{ queue(type: UNSIGNE, first: 1) { totalCount } }", {}),
    "an enum variable": ("query($t: QueueType!) { queue(type: $t, first: 1) { totalCount } }",
                         {"t": "UNSIGNE"}),
    "a type": ("query($t: QueueTyp!) { queue(type: $t, first: 1) { totalCount } }",
               {"t": "UNSIGNED"}),
}


@asynccontextmanager
async def app_with(services, client: tuple[str, int] = ("127.0.0.1", 4000), **settings):
    """The app over the run's services with some settings changed."""
    varied = dataclasses.replace(services,
                                 settings=services.settings.model_copy(update=settings))
    transport = httpx.ASGITransport(app=create_app(varied), client=client)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


async def post(http: httpx.AsyncClient, query: str, variables: dict | None = None,
               headers: dict | None = None) -> dict:
    response = await http.post("/graphql", json={"query": query, "variables": variables or {}},
                               headers=headers or {})
    assert response.status_code == 200, response.text
    return response.json()


def test_the_run_uses_real_services(settings):
    assert not settings.embedded_postgres  # what every default below relies on
    assert not settings.graphiql_enabled and not settings.introspection_enabled


@pytest.mark.parametrize("query", ["{ __schema { queryType { name } } }",
                                   '{ __type(name: "UserContext") { fields { name } } }'])
async def test_introspection_is_refused(client, query):
    body = await post(client, query)
    assert body.get("data") is None
    assert set(error_codes(body)) == {"GRAPHQL_VALIDATION_FAILED"}
    assert all("introspection has been disabled" in e["message"] for e in body["errors"])


async def test_typename_still_answers(client):
    assert await post(client, "{ __typename }") == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("typo", sorted(TYPOS))
async def test_errors_suggest_nothing(client, services, typo):
    query, variables = TYPOS[typo]
    quiet = await post(client, query, variables)
    assert quiet["errors"] and all("Did you mean" not in e["message"] for e in quiet["errors"])
    async with app_with(services, graphql_introspection=True) as open_api:
        chatty = await post(open_api, query, variables)
    # The same mistake with introspection switched on: the suggestion was there to hide.
    assert any("Did you mean" in e["message"] for e in chatty["errors"])
    assert [e["message"].split(" Did you mean")[0] for e in chatty["errors"]] == \
        [e["message"] for e in quiet["errors"]]


async def test_graphiql_is_absent(client):
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 404 and "graphiql" not in response.text.lower()


async def test_graphiql_true_brings_graphiql_and_the_introspection_it_needs(services):
    async with app_with(services, graphiql=True) as http:
        page = await http.get("/graphql", headers={"Accept": "text/html"})
        body = await post(http, "{ __schema { queryType { name } } }")
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    assert body == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


async def test_graphiql_comes_from_our_own_files_and_they_are_the_pinned_builds(services):
    async with app_with(services, graphiql=True) as http:
        page = await http.get("/graphql", headers={"Accept": "text/html"})
        assets = re.findall(r'(?:src|href)="(/static/graphiql/[^"]+)"\s+integrity="([^"]+)"',
                            page.text)
        served = {path: await http.get(path) for path, _ in assets}
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page.text)  # nothing from elsewhere
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert len(assets) == 6  # React, ReactDOM, GraphiQL's script and style, the explorer's
    for path, integrity in assets:
        digest = base64.b64encode(hashlib.sha384(served[path].content).digest()).decode()
        assert served[path].status_code == 200 and integrity == f"sha384-{digest}", path


async def test_graphiql_files_are_not_served_where_graphiql_is_off(client):
    assert (await client.get("/static/graphiql/graphiql.min.js")).status_code == 404


async def test_the_wallboard_is_served_with_its_files_and_no_cdn(client):
    page = await client.get("/wallboard")
    assert page.status_code == 200 and "wallboard" in page.text
    assert "connect-src 'self' ws: wss:" in page.headers["content-security-policy"]
    for path in re.findall(r'(?:src|href)="([^"]+)"', page.text):
        assert path.startswith("/static/wallboard/"), path
        assert (await client.get(path)).status_code == 200, path


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"])
async def test_no_openapi_or_docs(client, path):
    assert (await client.get(path)).status_code == 404


async def test_metrics_need_the_bearer_token_when_one_is_set(services):
    async with app_with(services, metrics_token=SecretStr("scrape-me-" + "s" * 20)) as http:
        refused = [await http.get("/metrics"),
                   await http.get("/metrics", headers={"Authorization": "Bearer wrong"}),
                   await http.get("/metrics", headers={
                       "Authorization": "Basic scrape-me-" + "s" * 20})]
        allowed = await http.get("/metrics", headers={
            "Authorization": "Bearer scrape-me-" + "s" * 20})
    assert [r.status_code for r in refused] == [401, 401, 401]
    assert all(r.headers["www-authenticate"] == "Bearer" for r in refused)
    assert all("dialler_" not in r.text for r in refused)
    assert allowed.status_code == 200 and "dialler_http_requests_total" in allowed.text


async def test_the_workers_metrics_port_needs_the_token_too():
    port = free_port()
    server = serve_metrics(port, "worker-scrape-token", host="127.0.0.1")
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            refused = await http.get("/metrics")
            allowed = await http.get("/metrics", headers={
                "Authorization": "Bearer worker-scrape-token"})
    finally:
        server.shutdown()
        server.server_close()
    assert refused.status_code == 401 and "dialler_" not in refused.text
    assert allowed.status_code == 200 and "dialler_cdc_messages_total" in allowed.text


async def test_made_up_http_methods_are_counted_as_other(client):
    await client.request("BREW", "/health")
    await client.request("X-" + "Z" * 40, "/health")
    text_ = (await client.get("/metrics")).text
    assert 'method="OTHER",route="/health"' in text_
    assert "BREW" not in text_ and "ZZZZ" not in text_


async def _login_address(services, make_agent, http: httpx.AsyncClient,
                         forwarded: str) -> str | None:
    agent, _ = await make_agent()
    body = await post(http, LOGIN, {"e": agent.email, "p": "correct horse battery"},
                      headers={"X-Forwarded-For": forwarded})
    assert body["data"]["login"]["__typename"] == "LoginSucceeded", body
    async with services.engine.connect() as conn:
        return (await conn.execute(text(
            "SELECT ip_address FROM agent_sessions WHERE agent_id = :a"),
            {"a": agent.id})).scalar_one()


async def test_forwarded_for_is_believed_from_trusted_proxies_only(services, make_agent):
    async with app_with(services, client=("10.1.2.3", 4000),
                        forwarded_allow_ips="10.0.0.0/8") as behind_proxy:
        assert await _login_address(services, make_agent, behind_proxy,
                                    "203.0.113.9") == "203.0.113.9"
        # A client cannot choose its address by sending one of its own ahead of the real one.
        assert await _login_address(services, make_agent, behind_proxy,
                                    "192.0.2.66, 203.0.113.9, 10.9.9.9") == "203.0.113.9"
    async with app_with(services, client=("198.51.100.7", 4000)) as direct:
        assert await _login_address(services, make_agent, direct,
                                    "203.0.113.9") == "198.51.100.7"


async def test_ready_says_degraded_not_down_when_redis_is_down(settings):
    from infrastructure.bootstrap import bootstrap

    port = free_port()
    broken = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{port}/0"})
    services = await bootstrap(broken)
    try:
        transport = httpx.ASGITransport(app=create_app(services))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            ready = await http.get("/ready")
    finally:
        await services.close()
    assert ready.status_code == 200
    assert ready.json() == {"status": "degraded", "down": [], "degraded": ["redis"],
                            "checks": {"postgres": "ok", "replica": "ok",
                                       "redis": "degraded"}}
    assert str(port) not in ready.text and "Error" not in ready.text


async def test_ready_names_a_database_down_without_its_error(client, services, monkeypatch,
                                                            caplog):
    async def unreachable() -> None:
        raise ConnectionRefusedError("replica-db.internal:3306 refused user 'rmc_ro'")

    monkeypatch.setattr(services.replica.db, "ping", unreachable)
    caplog.set_level(logging.WARNING)
    ready = await client.get("/ready")
    assert ready.status_code == 503
    assert ready.json()["down"] == ["replica"] and ready.json()["checks"]["replica"] == "down"
    assert "internal" not in ready.text and "rmc_ro" not in ready.text
    assert any("replica-db.internal" in str(r.msg) for r in caplog.records)  # logged instead
