"""`dialler db migrate --to -1` then `dialler db migrate` on a populated dialler database:
the rollback an operator would run (docs/operations.md), and back, keeping the data."""

from __future__ import annotations

import asyncio

import pytest
from typer.testing import CliRunner

from cli.main import app
from infrastructure.postgres.migrate import head_revision
from tests.conftest import TEST_SECRET
from tests.queue_env import NOW, queue_env

pytestmark = pytest.mark.integration
KEPT = ("agents", "queue_entries", "queue_events", "user_phones", "do_not_call_entries")


async def invoke(*args: str):
    return await asyncio.get_running_loop().run_in_executor(None, CliRunner().invoke, app,
                                                            list(args))


async def _vacuum_settings(services) -> list[str]:
    return await services.pg.fetchval(
        "SELECT reloptions FROM pg_class WHERE oid = 'queue_entries'::regclass") or []


async def _counts(services) -> dict[str, int]:
    return {t: await services.pg.fetchval(f"SELECT count(*) FROM {t}") for t in KEPT}


async def test_one_revision_down_and_up_again_keeps_the_data(monkeypatch):
    async with queue_env() as (services, rows, clock):
        clock.now = NOW
        users = []
        for n in range(5):
            user = await rows.user(signature=None, phone_number=f"07912 34{n:04d}",
                                   last_name=f"Rollback{n}")
            await rows.claim(user)
            users.append(user)
        await services.queues.recompute(users, "populated before a rollback")
        await services.search_keeper.refresh(users)
        await services.pg.execute(
            "INSERT INTO do_not_call_entries (user_id, reason, created_at) "
            "VALUES ($1, 'OTHER', now())", users[0])
        before = await _counts(services)
        assert before["queue_entries"] == 5
        assert "autovacuum_vacuum_scale_factor=0.01" in await _vacuum_settings(services)
        monkeypatch.setenv("DATABASE_URL", services.settings.database_url)
        monkeypatch.setenv("REPLICA_DATABASE_URL", services.settings.replica_database_url)
        monkeypatch.setenv("JWT_SECRET", TEST_SECRET)
        down = await invoke("db", "migrate", "--to", "-1")
        assert down.exit_code == 0, down.output
        previous = await services.pg.fetchval("SELECT version_num FROM alembic_version")
        assert previous != head_revision() and f"revision {previous}" in down.output
        assert await _vacuum_settings(services) == []  # the newest revision's settings gone
        up = await invoke("db", "migrate")
        assert up.exit_code == 0, up.output
        assert f"revision {head_revision()}" in up.output
        assert await _counts(services) == before
        assert "autovacuum_analyze_scale_factor=0.02" in await _vacuum_settings(services)
        # and the dialler works on it as before
        await services.queues.recompute(users, "after the rollback and back")
        await services.search_keeper.refresh(users)
        assert [h.user_id for h in await services.user_search.search("Rollback3", 5)][:1] \
            == [users[3]]


async def test_an_unknown_revision_is_refused_and_changes_nothing(monkeypatch):
    async with queue_env() as (services, _, _):
        monkeypatch.setenv("DATABASE_URL", services.settings.database_url)
        monkeypatch.setenv("REPLICA_DATABASE_URL", services.settings.replica_database_url)
        monkeypatch.setenv("JWT_SECRET", TEST_SECRET)
        refused = await invoke("db", "migrate", "--to", "9999")
        assert refused.exit_code == 2 and "cannot migrate to '9999'" in refused.output
        assert await services.pg.fetchval("SELECT version_num FROM alembic_version") \
            == head_revision()
