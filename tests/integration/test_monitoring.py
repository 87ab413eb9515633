"""deploy/monitoring: the alert rules pass promtool and their unit tests, every metric the
rules and the dashboard use is exported, and the state gauges read real services."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import shutil
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
import pytest
import yaml  # PyYAML comes with moto (its `responses`)
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.registry import Collector

import graphql_api.app  # noqa: F401 - the API's metrics (request metrics, GraphQL operations)
import sync_worker.worker  # noqa: F401 - the worker's metrics (CDC, jobs, heartbeat)
from graphql_api.app import create_app
from graphql_api.timers import serve_timers, state_source
from infrastructure.metric_collectors import (
    STALE_AFTER_SECONDS,
    STATE,
    StateGauges,
    gauge,
    refresh,
)
from infrastructure.metrics import WORKER_HEARTBEAT, serve_metrics
from infrastructure.postgres.sync_store import PgSyncStore
from infrastructure.redis.resilient import ResilientRedis, connect
from sync_worker.worker import run_worker
from tests import services as svc
from tests.queue_env import NOW, queue_env

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "deploy" / "monitoring"
RULES, RULE_TESTS = MONITORING / "alerts.yml", MONITORING / "alerts.test.yml"
DASHBOARD = MONITORING / "grafana-dashboard.json"


# --- PromQL's metric names, and what this codebase's registry exports ---

_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_MATCHERS, _RANGES = re.compile(r"\{[^}]*\}"), re.compile(r"\[[^\]]*\]")
# Label lists: `sum by (le) (…)`, `… / on() …`, `group_left(a, b)`.
_LABEL_LISTS = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
# A whole identifier (not the tail of a number like 1e3 or 5m) not called as a function.
_IDENTIFIER = re.compile(r"(?<![\w:.$])[a-zA-Z_:][\w:]*(?![\w:]|\s*\()")
_KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left",
             "group_right", "bool", "offset", "inf", "nan", "start", "end"}
_SUFFIXES = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_sum", "_count",
                                                              "_created"),
             "summary": ("", "_sum", "_count", "_created"), "info": ("_info",)}


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads: its identifiers once strings, label
    matchers, ranges and label lists are taken out, less functions and keywords."""
    bare = _STRINGS.sub('""', expr)
    for pattern in (_MATCHERS, _RANGES, _LABEL_LISTS):
        bare = pattern.sub(" ", bare)
    return {name for name in _IDENTIFIER.findall(bare) if name.lower() not in _KEYWORDS}


def exported_names(registry, described: list[Collector]) -> set[str]:
    """Every series name the registry's families expose (a counter's _total, a histogram's
    _bucket/_sum/_count…), and those of collectors whose collect() may leave some out."""
    families = [*registry.collect(), *(f for c in described for f in c.describe())]
    return {f.name + suffix for f in families for suffix in _SUFFIXES.get(f.type, ("",))}


def test_metric_names_are_what_promql_reads():
    expr = ('histogram_quantile(0.95, sum by (le, route) (rate(a_bucket{route=~"/x|y"}[5m]))) '
            '> 1e3 and on() (time() - max(b_seconds offset 5m)) < bool 600 or absent(c) '
            '/ ignoring(d) group_left(e) f:recorded unless topk(10, g[$__rate_interval])')
    assert metric_names(expr) == {"a_bucket", "b_seconds", "c", "f:recorded", "g"}


def promtool() -> str:
    """promtool's path; skips (saying why) where it cannot be had."""
    found = shutil.which("promtool") or shutil.which("promtool", path=str(ROOT / ".venv/bin"))
    if found is None:
        pytest.skip("promtool not found (Debian's `prometheus` package has it; "
                    "scripts/test.sh tries to fetch it): the alert rules were not checked")
    return found


def run_promtool(*args: str, cwd: Path = MONITORING) -> subprocess.CompletedProcess:
    return subprocess.run([promtool(), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60, check=False)


def alert_rules() -> list[dict]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def dashboard_exprs() -> list[str]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [t["expr"] for p in panels for t in p.get("targets", ())]


# --- the rules and the dashboard ---

def test_promtool_checks_the_rules():
    result = run_promtool("check", "rules", RULES.name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(alert_rules())} rules found" in result.stdout


def test_the_rules_unit_tests_pass():
    result = run_promtool("test", "rules", RULE_TESTS.name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_the_dashboards_queries_are_promql(tmp_path):
    """promtool has no query checker offline: the queries go in as recording rules."""
    rules = [{"record": f"dashboard:query_{n}", "expr": expr.replace("$__rate_interval", "5m")}
             for n, expr in enumerate(dashboard_exprs())]
    (tmp_path / "dashboard.yml").write_text(yaml.safe_dump(
        {"groups": [{"name": "dashboard", "rules": rules}]}))
    result = run_promtool("check", "rules", "dashboard.yml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_says_how_long_how_bad_and_what_to_do():
    for rule in alert_rules():
        assert rule.get("for"), rule["alert"]
        assert rule["labels"]["severity"] in ("warning", "critical"), rule["alert"]
        assert rule["annotations"]["summary"].strip(), rule["alert"]
        assert len(rule["annotations"]["description"]) > 150, rule["alert"]


def test_the_asked_for_alerts_are_there():
    used = {name for rule in alert_rules() for name in metric_names(rule["expr"])}
    assert {"dialler_cdc_current_lag_seconds", "dialler_dead_letters",
            "dialler_reconcile_last_drift", "dialler_worker_heartbeat_timestamp_seconds",
            "dialler_http_requests_total", "dialler_queue_callable_entries",
            "dialler_calling_window_open", "dialler_agents", "dialler_redis_degraded"} <= used


def test_every_metric_the_rules_and_the_dashboard_use_is_exported():
    exported = exported_names(REGISTRY, [STATE])
    exprs = [rule["expr"] for rule in alert_rules()] + dashboard_exprs()
    used = {name for expr in exprs for name in metric_names(expr)}
    assert len(used) > 20  # the parse found them, not nothing
    assert used - exported == set()


def test_a_misspelt_metric_is_not_exported():
    exported = exported_names(REGISTRY, [STATE])
    misspelt = RULES.read_text().replace("dialler_dead_letters", "dialler_dead_leters")
    groups = yaml.safe_load(misspelt)["groups"]
    used = {name for g in groups for rule in g["rules"] for name in metric_names(rule["expr"])}
    assert used - exported == {"dialler_dead_leters"}
    assert metric_names("rate(dialler_http_request_total[5m])") - exported == {
        "dialler_http_request_total"}


# --- the state gauges over real services ---

@pytest.fixture(scope="module")
async def env():
    async with queue_env() as (services, _rows, clock):
        yield services, clock


@pytest.fixture
async def clean(env):
    """Each test starts from empty tables and the fixed clock."""
    services, clock = env
    async with services.pg.acquire() as conn:
        await conn.execute("TRUNCATE agents, queue_entries, sync_state, dead_letters, job_runs "
                           "CASCADE")
    clock.now = NOW
    return services, clock


def values(gauges: StateGauges) -> dict[tuple[str, tuple], float]:
    registry = CollectorRegistry()
    registry.register(gauges)
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in registry.collect() for s in family.samples}


async def _fill(services) -> None:
    async with services.pg.acquire() as conn:
        ids = await svc.insert_agents(conn, 5)
        await conn.execute("UPDATE agents SET status = 'PAUSED' WHERE id = $1", ids[0])
        await conn.execute("UPDATE agents SET automated = true WHERE id = $1", ids[1])
        await conn.execute("UPDATE agents SET is_active = false WHERE id = $1", ids[2])
        await conn.executemany(
            "INSERT INTO queue_entries (user_id, queue_type, score, next_call_after, due_at) "
            "VALUES ($1, $2, $3, $4, $5)",
            [(1, "UNSIGNED", 1.0, None, None), (2, "UNSIGNED", 2.0, None, None),
             (3, "UNSIGNED", 3.0, NOW + timedelta(hours=1), None),  # cooling down
             (4, "CALLBACK", 1.0, None, NOW + timedelta(hours=2))])  # not due yet
    await services.sync_store.mark_applied(["k1"], NOW - timedelta(seconds=42), 42.5, NOW)
    await services.sync_store.record_dead_letter("m-1", "{}", "unparseable")
    run = await services.job_runs.start("reconcile", NOW - timedelta(minutes=1))
    await services.job_runs.finish(run, NOW, "DONE", drift=7)


async def test_the_gauges_read_sync_queues_agents_redis_and_the_window(clean):
    services, _ = clean
    await _fill(services)
    gauges = StateGauges()
    before = time.time()
    await refresh(state_source(services), gauges)
    got = values(gauges)
    assert got[("dialler_cdc_current_lag_seconds", ())] == 42.5
    assert got[("dialler_cdc_last_processed_timestamp_seconds", ())] == NOW.timestamp()
    assert got[("dialler_dead_letters", ())] == 1
    assert got[("dialler_reconcile_last_drift", ())] == 7
    assert got[("dialler_reconcile_last_timestamp_seconds", ())] == NOW.timestamp()
    queues = {(name, labels[0][1]): v for (name, labels), v in got.items()
              if name.startswith("dialler_queue_")}
    assert queues == {("dialler_queue_entries", "UNSIGNED"): 3,
                      ("dialler_queue_entries", "CALLBACK"): 1,
                      ("dialler_queue_entries", "OUTSTANDING_REQUESTS"): 0,
                      ("dialler_queue_callable_entries", "UNSIGNED"): 2,
                      ("dialler_queue_callable_entries", "CALLBACK"): 0,
                      ("dialler_queue_callable_entries", "OUTSTANDING_REQUESTS"): 0}
    # Automated and inactive agents are left out; every status is there, 0 included.
    agents = {labels[0][1]: v for (name, labels), v in got.items() if name == "dialler_agents"}
    assert agents == {"AVAILABLE": 2, "PAUSED": 1, "ON_CALL": 0, "WRAP_UP": 0, "OFFLINE": 0}
    assert got[("dialler_redis_degraded", ())] == 0
    assert got[("dialler_calling_window_open", ())] == 1  # NOW: a Tuesday, 10:00
    parts = {labels[0][1]: v for (name, labels), v in got.items()
             if name == "dialler_state_read_timestamp_seconds"}
    assert set(parts) == {"sync", "queues", "agents", "redis", "calling_window"}
    assert all(before <= at <= time.time() for at in parts.values())


async def test_nothing_recorded_yet_is_left_out_not_zero(clean):
    services, _ = clean
    gauges = StateGauges()
    await refresh(state_source(services), gauges)
    names = {name for name, _ in values(gauges)}
    assert "dialler_dead_letters" in names
    assert not names & {"dialler_cdc_current_lag_seconds", "dialler_reconcile_last_drift",
                        "dialler_cdc_last_processed_timestamp_seconds"}


async def test_outside_the_calling_window_the_gauge_is_0(clean):
    services, clock = clean
    clock.now = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)  # a Sunday
    gauges = StateGauges()
    await refresh(state_source(services), gauges)
    assert values(gauges)[("dialler_calling_window_open", ())] == 0


async def test_redis_that_does_not_answer_is_degraded(clean):
    services, _ = clean
    down = ResilientRedis(connect(f"redis://127.0.0.1:{svc.free_port()}/0"))
    gauges = StateGauges()
    try:
        await refresh(dataclasses.replace(state_source(services), redis=down), gauges)
    finally:
        await down.close()
    assert values(gauges)[("dialler_redis_degraded", ())] == 1


async def test_a_part_that_fails_is_not_read_and_the_others_are(clean):
    services, _ = clean
    closed = await asyncpg.create_pool(services.settings.database_url, min_size=0, max_size=1)
    await closed.close()
    gauges = StateGauges()
    await refresh(dataclasses.replace(state_source(services), sync_store=PgSyncStore(closed)),
                  gauges)
    got = values(gauges)
    parts = {labels[0][1] for name, labels in got
             if name == "dialler_state_read_timestamp_seconds"}
    assert parts == {"queues", "agents", "redis", "calling_window"}
    assert ("dialler_dead_letters", ()) not in got


def test_a_stale_reading_is_left_out_but_its_time_is_kept():
    gauges = StateGauges()
    old = time.time() - STALE_AFTER_SECONDS - 1
    gauges.record("sync", [gauge("dialler_dead_letters", 3)], old)
    gauges.record("redis", [gauge("dialler_redis_degraded", 1)], time.time())
    got = values(gauges)
    assert ("dialler_dead_letters", ()) not in got
    assert got[("dialler_redis_degraded", ())] == 1
    assert got[("dialler_state_read_timestamp_seconds", (("part", "sync"),))] == old


async def test_the_api_processes_timers_keep_the_gauges_on_metrics(clean):
    services, _ = clean
    started = time.time()
    transport = httpx.ASGITransport(app=create_app(services))
    async with serve_timers(services), httpx.AsyncClient(transport=transport,
                                                        base_url="http://test") as http:
        read_at = None
        for _ in range(100):
            text = (await http.get("/metrics")).text
            read_at = _sample(text, 'dialler_state_read_timestamp_seconds{part="queues"}')
            if read_at is not None and read_at >= started:
                break
            await asyncio.sleep(0.1)
    assert read_at is not None and read_at >= started
    assert 'dialler_queue_entries{queue_type="UNSIGNED"}' in text
    assert 'dialler_agents{status="AVAILABLE"}' in text


# --- the worker's heartbeat and the GraphQL operations counter ---

async def test_the_worker_beats_and_its_metrics_port_shows_it(clean):
    services, _ = clean
    WORKER_HEARTBEAT.set(0)
    started, stop = time.time(), asyncio.Event()
    worker = asyncio.create_task(run_worker(services, stop, cdc=False, scheduled=False,
                                            sms_jobs=False, automated=False))
    port = svc.free_port()
    server = serve_metrics(port, None, host="127.0.0.1")
    try:
        for _ in range(100):
            beat = REGISTRY.get_sample_value("dialler_worker_heartbeat_timestamp_seconds")
            if beat and beat >= started:
                break
            await asyncio.sleep(0.05)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            text = (await http.get("/metrics")).text
    finally:
        stop.set()
        await worker
        server.shutdown()
        server.server_close()
    beat = _sample(text, "dialler_worker_heartbeat_timestamp_seconds")
    assert beat is not None and started <= beat <= time.time()


async def test_graphql_operations_are_counted_by_root_field_and_outcome(client):
    def count(operation: str, outcome: str) -> float:
        return REGISTRY.get_sample_value("dialler_graphql_operations_total",
                                         {"operation": operation, "outcome": outcome}) or 0

    before = (count("query:__typename", "ok"), count("(not run)", "rejected"),
              count("query:(several)", "error"))
    for query in ("{ __typename }", "query Named { a: __typename b: __typename }",
                  "{ noSuchField }", "{ __typename syncStatus { deadLetters } }"):
        await client.post("/graphql", json={"query": query})
    after = (count("query:__typename", "ok"), count("(not run)", "rejected"),
             count("query:(several)", "error"))  # syncStatus needs a supervisor
    assert [b - a for a, b in zip(before, after, strict=True)] == [2, 1, 1]
    # The client's operation name never becomes a label.
    assert 'operation="Named"' not in (await client.get("/metrics")).text


def _sample(text: str, series: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.rsplit(" ", 1)[1])
    return None
