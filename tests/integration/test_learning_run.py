"""`dialler scoring learn`: a snapshot from imported history, made active whole or not at all."""

from __future__ import annotations

import pytest

from infrastructure.postgres.learning import PgLearningStore
from sync_worker.jobs import intervals, run_job
from tests.integration.test_cli import invoke
from tests.integration.test_history_import import HEADER
from tests.queue_env import for_the_shell

pytestmark = pytest.mark.integration


async def _history(tmp_path, rows, users):
    lines = [HEADER]
    n = 0
    for user in users:  # answers in the evening, not in the morning
        for day in range(1, 9):
            for hour, outcome in ((10, "NO_ANSWER"), (18, "CONTACTED")):
                n += 1
                lines.append(f"h{n},{user},2025-03-{day:02d}T{hour}:15:00+00:00,call,outbound,"
                             f"{outcome},,")
        n += 1
        lines.append(f"h{n},{user},2025-03-10T12:00:00Z,sms,outbound,sent,,")
    path = tmp_path / "history.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def test_learning_finds_the_evening_and_keeps_one_snapshot_active(shell_env, tmp_path,
                                                                         monkeypatch):
    services, rows, _ = shell_env
    users = [await rows.user(signature=None, date_of_birth="1970-05-01") for _ in range(3)]
    assert (await invoke("history", "import", str(await _history(tmp_path, rows, users))
                         )).exit_code == 0
    first = await invoke("scoring", "learn")
    assert first.exit_code == 0 and "snapshot 1 active: 3 users" in first.output, first.output
    learned = await services.pg.fetchrow(
        "SELECT best_start, best_estimate, calls, answered, texts, replied FROM learned_users "
        "WHERE user_id = $1", users[0])
    assert learned["best_start"] in (17, 18)  # a 2-hour window holding 18:00 (GMT in March)
    assert (learned["calls"], learned["answered"], learned["texts"]) == (16, 8, 1)
    segment = await services.pg.fetchval(
        "SELECT count(*) FROM learned_segments WHERE segment = 'everyone'")
    assert segment == 1
    # Only the 18:15 calls follow a miss (10:15's, 8 h before), and every one reached them.
    spacing = await services.pg.fetch(
        "SELECT gap, calls, contacts, expected, ratio FROM learned_spacing")
    assert [(r["gap"], r["calls"], r["contacts"]) for r in spacing] == [(2, 24, 24)]
    assert 0 < spacing[0]["expected"] < 24 and spacing[0]["ratio"] > 1

    async def fails(self, learned, figures, now):
        raise RuntimeError("the database went away mid-run")

    monkeypatch.setattr(PgLearningStore, "save", fails)
    failed = await invoke("scoring", "learn")
    assert failed.exit_code != 0
    monkeypatch.undo()
    for_the_shell(monkeypatch, services.settings)
    active = await services.pg.fetch("SELECT version FROM learning_snapshots "
                                     "WHERE status = 'ACTIVE'")
    assert [r["version"] for r in active] == [1]  # the failed run left the first active
    second = await invoke("scoring", "learn")
    assert second.exit_code == 0 and "snapshot 2 active" in second.output
    states = await services.pg.fetch("SELECT version, status FROM learning_snapshots "
                                     "ORDER BY version")
    assert [(r["version"], r["status"]) for r in states] == [(1, "SUPERSEDED"), (2, "ACTIVE")]


async def test_the_worker_learns_as_a_scheduled_job(shell_env):
    services, rows, _ = shell_env
    user = await rows.user(signature=None)
    await services.pg.execute(
        "INSERT INTO calls (id, direction, status, user_id, outcome, started_at, talk_seconds, "
        "updated_at) VALUES (gen_random_uuid(), 'OUTBOUND', 'COMPLETED', $1, 'contacted', "
        "'2026-11-20 18:30+00', 60, now())", user)
    assert "learn" in intervals(services)
    result = await run_job(services, "learn", force=True)
    assert result.figures["version"] == 1 and result.figures["users"] == 1
    assert await services.pg.fetchval(
        "SELECT status FROM job_runs WHERE job = 'learn' ORDER BY id DESC LIMIT 1") == "DONE"


async def test_the_shipped_learned_rule_set_is_stored_and_activated_from_the_shell(shell_env):
    services, rows, _ = shell_env
    await rows.user(signature=None)
    stored = await invoke("scoring", "add-shipped", "learned", "--activate")
    assert stored.exit_code == 0 and "(active)" in stored.output, stored.output
    active = await services.pg.fetchrow(
        "SELECT name, document FROM rule_sets WHERE status = 'ACTIVE'")
    assert active["name"] == "learned" and '"calling_window"' in active["document"]
    unknown = await invoke("scoring", "add-shipped", "clever")
    assert unknown.exit_code == 2 and "no rule set is shipped as 'clever'" in unknown.output
