"""Fixtures over the machine's real PostgreSQL, MariaDB and Redis, made fresh per run."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from domain.agents.sessions import Principal
from infrastructure.settings import Settings
from tests import services as svc

TEST_SECRET = "test-secret-" + "x" * 40


@pytest.fixture(scope="session", autouse=True)
def no_nested_connections():
    """Any code path that asks a pool for a connection while holding one fails its test."""
    from infrastructure.postgres import pool_guard

    pool_guard.set_strict(True)
    yield
    pool_guard.set_strict(False)


@pytest.fixture(scope="session")
async def pg_database():
    address = await svc.create_migrated_postgres_database()
    yield address
    await svc.drop_postgres_database(address)


@pytest.fixture(scope="session", autouse=True)
def migrated_template():
    """Drops this process's migrated template database after the last test."""
    yield
    asyncio.run(svc.drop_migrated_template())


@pytest.fixture(scope="session")
async def replica_database():
    from infrastructure.replica.database import ReplicaDatabase
    from infrastructure.replica.ddl import create_replica_tables

    address = await svc.create_mysql_database()
    db = await ReplicaDatabase.open(address, read_only=False)
    await create_replica_tables(db)
    yield address, db
    await db.close()
    await svc.drop_mysql_database(address)


@pytest.fixture(scope="session")
def redis_prefix():
    return f"test-{uuid.uuid4().hex[:8]}:"


@pytest.fixture(scope="session")
def settings(pg_database, replica_database, redis_prefix) -> Settings:
    return Settings(database_url=pg_database.plain_url,
                    replica_database_url=replica_database[0].plain_url,
                    redis_url=svc.REDIS_URL, jwt_secret=TEST_SECRET,
                    redis_key_prefix=redis_prefix, log_json=False)


@pytest.fixture(scope="session")
async def services(settings, redis_prefix):
    from infrastructure.bootstrap import bootstrap

    built = await bootstrap(settings)
    yield built
    await built.close()
    await svc.delete_redis_keys(redis_prefix)


@pytest.fixture(scope="session")
def replica_rows(replica_database):
    from tests.replica_rows import ReplicaRows

    return ReplicaRows(replica_database[1])


@pytest.fixture
async def client(services):
    from graphql_api.app import create_app

    transport = httpx.ASGITransport(app=create_app(services))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@pytest.fixture
async def make_agent(services):
    """Creates an agent of a role; returns (agent, token)."""
    from service_layer.agents import create_agent

    async def make(role: str = "AGENT", password: str = "correct horse battery"):
        email = f"{role.lower()}-{uuid.uuid4().hex[:8]}@example.com"
        agent = await create_agent(services.uow(), services.hasher,
                                   policy=services.password_policy, email=email,
                                   password=password, name=f"Test {role.title()}", role=role,
                                   at=datetime.now(UTC))
        token = services.tokens.issue(Principal(agent.id, agent.role)).token
        return agent, token

    return make


class Gql:
    """Posts GraphQL to the in-process app and returns the decoded body."""

    def __init__(self, client: httpx.AsyncClient):
        self.client = client

    async def __call__(self, query: str, variables: dict | None = None,
                       token: str | None = None, headers: dict | None = None) -> dict:
        all_headers = dict(headers or {})
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        response = await self.client.post("/graphql", json={"query": query,
                                                            "variables": variables or {}},
                                          headers=all_headers)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def gql(client) -> Gql:
    return Gql(client)


def error_codes(body: dict) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors") or []]


def expired_token(agent_id: uuid.UUID, role) -> str:
    from infrastructure.security.tokens import JwtTokenService

    past = datetime.now(UTC) - timedelta(hours=2)
    tokens = JwtTokenService(TEST_SECRET, timedelta(minutes=30), clock=lambda: past)
    return tokens.issue(Principal(agent_id, role)).token


@pytest.fixture(scope="session")
def moto_endpoint():
    """moto's SQS server on a free port, for the whole run; tests make their own queues."""
    from moto.server import ThreadedMotoServer

    port = svc.free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def cli_env(settings, monkeypatch):
    """The environment a `dialler` command reads, pointing at this run's services."""
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("REPLICA_DATABASE_URL", settings.replica_database_url)
    monkeypatch.setenv("REDIS_URL", settings.redis_url)
    monkeypatch.setenv("JWT_SECRET", TEST_SECRET)
    monkeypatch.setenv("LOG_JSON", "false")
    return monkeypatch


@pytest.fixture
async def shell_env(monkeypatch):
    """A queue_env (services, replica rows, clock) whose settings the `dialler` commands a
    test runs read too."""
    from tests.queue_env import for_the_shell, queue_env

    async with queue_env() as built:
        for_the_shell(monkeypatch, built[0].settings)
        yield built
