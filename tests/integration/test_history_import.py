"""`dialler history import`: rows stored once, bad rows named, call history and queue moved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.integration.test_cli import invoke
from tests.queue_env import NOW

pytestmark = pytest.mark.integration
HEADER = "external_id,user_id,occurred_at,channel,direction,outcome,talk_seconds,agent_email"


async def _file(tmp_path, *rows: str):
    path = tmp_path / "history.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


async def test_history_loads_once_and_moves_scores_and_queue(shell_env, tmp_path):
    services, rows, _ = shell_env
    user = await rows.user(signature=None)
    await rows.claim(user)
    other = await rows.user(signature=None)
    await rows.claim(other)
    await services.queues.rebuild()
    agent = await services.pg.fetchval(
        "INSERT INTO agents (id, email, name, role, password_hash, is_active) VALUES "
        "(gen_random_uuid(), 'kim@rmc.example', 'Kim', 'AGENT', 'x', true) RETURNING id")
    recent = (NOW - timedelta(minutes=30)).astimezone(UTC)
    path = await _file(
        tmp_path,
        f"c1,{user},2025-03-04T18:12:00+01:00,call,outbound,CONTACTED,120,KIM@rmc.example",
        f"c2,{user},{recent.isoformat()},call,outbound,no_answer,,someone@old.example",
        f"s1,{user},2025-03-05T09:00:00Z,sms,outbound,replied,,",
        f"bad,{user},2025-03-05T09:00:00,call,outbound,busy,,",  # no offset: refused
        "c3,999999,2025-03-05T09:00:00Z,call,outbound,busy,,",  # unknown user
        f"c4,{other},2025-03-05T09:00:00Z,call,inbound,,30,")
    first = await invoke("history", "import", str(path))
    assert first.exit_code == 0, first.output
    assert "4 rows loaded, 0 imported before" in first.output
    assert "line 5:" in first.output and "has no offset" in first.output
    assert "line 6:" in first.output and "user 999999 is not in the replica" in first.output
    calls = await services.pg.fetch(
        "SELECT external_id, started_at, agent_id, agent_email, outcome FROM calls "
        "WHERE external_id IS NOT NULL ORDER BY external_id")
    assert [c["external_id"] for c in calls] == ["c1", "c2", "c4"]
    assert calls[0]["started_at"] == datetime(2025, 3, 4, 17, 12, tzinfo=UTC)
    assert (calls[0]["agent_id"], calls[0]["agent_email"]) == (agent, None)
    assert (calls[1]["agent_id"], calls[1]["agent_email"]) == (None, "someone@old.example")
    text = await services.pg.fetchrow("SELECT status, replied FROM sms_messages "
                                      "WHERE external_id = 's1'")
    assert (text["status"], text["replied"]) == ("DELIVERED", True)
    scores = await services.pg.fetchrow(
        "SELECT total_attempts, failed_attempts, last_outcome, next_call_after "
        "FROM call_scores WHERE user_id = $1", user)
    assert (scores["total_attempts"], scores["failed_attempts"],
            scores["last_outcome"]) == (2, 1, "no_answer")
    entry = await services.pg.fetchrow(
        "SELECT next_call_after FROM queue_entries WHERE user_id = $1", user)
    assert entry["next_call_after"] == scores["next_call_after"] > recent  # cooling down

    again = await invoke("history", "import", str(path))
    assert again.exit_code == 0 and "0 rows loaded, 4 imported before" in again.output
    assert await services.pg.fetchval(
        "SELECT total_attempts FROM call_scores WHERE user_id = $1", user) == 2


async def test_a_file_without_the_required_columns_changes_nothing(shell_env, tmp_path):
    services, _, _ = shell_env
    path = tmp_path / "history.csv"
    path.write_text("external_id,user_id\nc1,1\n", encoding="utf-8")
    result = await invoke("history", "import", str(path))
    assert result.exit_code == 2 and "column 'occurred_at' is missing" in result.output
    assert await services.pg.fetchval("SELECT count(*) FROM calls") == 0
