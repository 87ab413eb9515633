"""The `dialler` command against the real services."""

from __future__ import annotations

import asyncio

import pytest
from typer.testing import CliRunner

from cli.main import app
from infrastructure.postgres.migrate import head_revision
from service_layer.agents import LoginSucceeded, login
from tests import services as svc
from tests.conftest import TEST_SECRET

pytestmark = pytest.mark.integration


@pytest.fixture
def env(cli_env):
    return cli_env


async def invoke(*args: str):
    """Runs the CLI in a thread: it starts its own event loop."""
    return await asyncio.get_running_loop().run_in_executor(None, CliRunner().invoke, app,
                                                            list(args))


async def test_agents_create_then_login(env, services):
    result = await invoke("agents", "create", "--email", "cli@example.com", "--name",
                          "Cli Person", "--role", "admin", "--password", "a very long password")
    assert result.exit_code == 0, result.output
    assert "created ADMIN Cli Person" in result.output
    outcome = await login(services.uow(), services.hasher, services.tokens,
                          email="cli@example.com", password="a very long password",
                          at=services.clock())
    assert isinstance(outcome, LoginSucceeded) and outcome.agent.name == "Cli Person"
    again = await invoke("agents", "create", "--email", "CLI@example.com", "--name", "Dup",
                         "--password", "a very long password")
    assert again.exit_code == 2 and "already exists" in again.output


async def test_an_automated_agent_is_created_and_cannot_log_in(env, services):
    result = await invoke("agents", "create-automated", "--name", "RMC Assistant", "--email",
                          "ai@example.com", "--texts-per-hour", "30", "--available")
    assert result.exit_code == 0, result.output
    assert "created automated agent RMC Assistant" in result.output and "AVAILABLE" in result.output
    row = await services.pg.fetchrow("SELECT * FROM agents WHERE email = 'ai@example.com'")
    assert (row["role"], row["automated"], row["texts_per_hour"], row["status"]) == (
        "AGENT", True, 30, "AVAILABLE")
    outcome = await login(services.uow(), services.hasher, services.tokens,
                          email="ai@example.com", password="", at=services.clock())
    assert not isinstance(outcome, LoginSucceeded)
    bad = await invoke("agents", "create-automated", "--name", "X", "--email", "ai2@example.com",
                       "--texts-per-hour", "-5")
    assert bad.exit_code == 2 and "textsPerHour" in bad.output


def test_agents_create_names_every_bad_field(env):
    result = CliRunner().invoke(app, ["agents", "create", "--email", "bad", "--name", "X",
                                      "--role", "boss", "--password", "short"])
    assert result.exit_code == 2
    assert "email 'bad'" in result.output and "role 'boss'" in result.output


def test_help_lists_every_command_though_each_loads_only_when_used():
    listed = CliRunner().invoke(app, ["--help"])
    assert listed.exit_code == 0, listed.output
    names = ["serve", "worker", "db", "agents", "queue", "scoring", "sync", "demo"]
    where = [listed.output.find(f"│ {name} ") for name in names]  # first in its row
    assert -1 not in where and where == sorted(where), listed.output
    typo = CliRunner().invoke(app, ["agnts"])
    assert typo.exit_code == 2 and "Did you mean 'agents'?" in typo.output
    one_command = CliRunner().invoke(app, ["scoring", "--help"])  # a group all the same
    assert one_command.exit_code == 0 and "explain" in one_command.output


def test_unsafe_configuration_is_refused_clearly(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1/x")
    monkeypatch.setenv("JWT_SECRET", "change-me")
    result = CliRunner().invoke(app, ["db", "migrate"])
    assert result.exit_code == 2 and "JWT_SECRET" in result.output


async def test_db_migrate_and_seed(monkeypatch):
    pg = await svc.create_postgres_database("cli_migrate")
    replica = await svc.create_mysql_database("cli_seed")
    try:
        monkeypatch.setenv("DATABASE_URL", pg.plain_url)
        monkeypatch.setenv("REPLICA_DATABASE_URL", replica.plain_url)
        monkeypatch.setenv("JWT_SECRET", TEST_SECRET)
        migrated = await invoke("db", "migrate")
        assert migrated.exit_code == 0, migrated.output
        assert f"revision {head_revision()}" in migrated.output
        seeded = await invoke("db", "seed", "--users", "120", "--seed", "3")
        assert seeded.exit_code == 0, seeded.output
        assert "users=120" in seeded.output.replace(" ", "")
    finally:
        await svc.drop_postgres_database(pg)
        await svc.drop_mysql_database(replica)
