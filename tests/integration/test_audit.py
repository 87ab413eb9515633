"""The audit trail against the real PostgreSQL: written off the request path, read by
supervisors with auditLog, kept AUDIT_KEEP_DAYS."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest
import strawberry
from sqlalchemy import event
from strawberry.types import Info

from domain.audit.model import AuditKind, AuditRecord
from graphql_api.audit import AuditMutations, record_reads
from graphql_api.context import RequestContext
from infrastructure.postgres.audit import PgAuditTrail, open_write_pool
from service_layer.audit import AuditLog, AuditWriter
from sync_worker.cleanup import daily_cleanup
from tests.conftest import Gql, error_codes
from tests.services import free_port, insert_agents
from tests.waiting import wait_until

pytestmark = pytest.mark.integration

CLIENT_IP = "198.51.100.23"  # the test client's address (no proxy in front: believed as is)
DEADLINE = 15.0

AUDIT_LOG = """
query AuditLog($userId: ID, $agentId: ID, $from: DateTime!, $to: DateTime!, $first: Int!,
               $after: String) {
  auditLog(userId: $userId, agentId: $agentId, from: $from, to: $to, first: $first,
           after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { at kind agent { id name } userId operation address } }
  }
}"""
MUTATE = """
mutation Work($u: ID!) {
  setAgentStatus(status: AVAILABLE) { status }
  scheduleCallback(userId: $u, at: "2030-01-01T10:00:00Z") { __typename }
}"""


def _app_client(services) -> httpx.AsyncClient:
    from graphql_api.app import create_app

    transport = httpx.ASGITransport(app=create_app(services), client=(CLIENT_IP, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


@pytest.fixture
async def api(services):
    async with _app_client(services) as http:
        yield Gql(http)


@pytest.fixture
async def quick(services, pg_database):
    """The services with a writer of their own that retries at once: a test that breaks
    the table need not wait out the shared writer's back-off."""
    writes = await open_write_pool(pg_database, command_timeout=10)
    writer = AuditWriter(PgAuditTrail(services.pg, writes), flush_seconds=0.05,
                         retry_cap_seconds=0.2)
    mine = dataclasses.replace(services, audit_writer=writer)
    async with _app_client(mine) as http:
        yield mine, writer, Gql(http)
    await writer.close()
    await writes.close()


async def _rows(services, agent_id: uuid.UUID) -> list[dict]:
    rows = await services.pg.fetch(
        "SELECT kind, agent_id, user_id, operation, address FROM audit_log "
        "WHERE agent_id = $1 ORDER BY id", agent_id)
    return [dict(r) for r in rows]


async def _until_rows(services, agent_id: uuid.UUID, count: int) -> list[dict]:
    """The agent's rows once there are ``count`` (the writer lands them in its own time)."""
    async def all_there():
        rows = await _rows(services, agent_id)
        return rows if len(rows) >= count else None

    return await wait_until(all_there, f"{count} audit rows", timeout=DEADLINE)


# --- mutations ---


async def test_each_mutation_field_is_recorded_with_its_user_and_address(services, api,
                                                                         make_agent):
    agent, token = await make_agent()
    body = await api(MUTATE, {"u": "424242"}, token=token)
    assert body["data"] is None or body["data"]["setAgentStatus"]  # answered either way
    await services.audit_writer.flush()
    rows = await _rows(services, agent.id)
    # The refused or failed field is recorded as well as the one that worked.
    assert sorted(rows, key=lambda r: r["operation"]) == [
        {"kind": "MUTATION", "agent_id": agent.id, "user_id": 424242,
         "operation": "scheduleCallback", "address": CLIENT_IP},
        {"kind": "MUTATION", "agent_id": agent.id, "user_id": None,
         "operation": "setAgentStatus", "address": CLIENT_IP}]


async def test_aliases_fragments_and_skipped_fields_are_recorded_as_executed(services, api,
                                                                              make_agent):
    agent, token = await make_agent()
    await api("""
        mutation($no: Boolean!) {
          one: setAgentStatus(status: AVAILABLE) { status }
          two: setAgentStatus(status: AVAILABLE) @skip(if: $no) { status }
          ...More
        }
        fragment More on Mutation { heartbeat { id } }""", {"no": True}, token=token)
    await services.audit_writer.flush()
    assert sorted(r["operation"] for r in await _rows(services, agent.id)) == [
        "heartbeat", "setAgentStatus"]


async def test_a_login_is_recorded_without_an_agent(services, api):
    body = await api('mutation($e: String!) { login(email: $e, password: "wrong password") '
                     '{ __typename } }', {"e": f"nobody-{uuid.uuid4().hex[:8]}@example.com"})
    assert body["data"]["login"]["__typename"] == "LoginFailed"
    await services.audit_writer.flush()
    row = await services.pg.fetchrow(
        "SELECT agent_id, address FROM audit_log WHERE operation = 'login' "
        "ORDER BY id DESC LIMIT 1")
    assert dict(row) == {"agent_id": None, "address": CLIENT_IP}


async def test_queries_record_no_mutation(services, api, make_agent):
    agent, token = await make_agent()
    assert (await api("query { me { id } }", token=token))["data"]["me"]
    await services.audit_writer.flush()
    assert await _rows(services, agent.id) == []


# --- off the request path ---


async def test_a_mutation_answers_while_the_trail_is_locked_and_lands_after(quick, pg_database,
                                                                          make_agent):
    services, writer, api = quick
    agent, token = await make_agent()
    holder = await asyncpg.connect(pg_database.plain_url)
    watcher = await asyncpg.connect(pg_database.plain_url)
    try:
        lock = holder.transaction()
        await lock.start()
        await holder.execute("LOCK TABLE audit_log IN ACCESS EXCLUSIVE MODE")
        await api(MUTATE, {"u": "7"}, token=token)
        # The writer is now stuck behind the lock with that batch...
        await wait_until(lambda: watcher.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND query LIKE '%INSERT INTO audit_log%'"), "the writer waits on the lock",
            timeout=DEADLINE)
        # ...and requests still answer, and their records wait in the buffer.
        body = await api("mutation { setAgentStatus(status: AVAILABLE) { status } }",
                         token=token)
        assert body["data"]["setAgentStatus"]["status"] == "AVAILABLE"
        assert writer.pending >= 1
        await lock.rollback()
    finally:
        await holder.close()
        await watcher.close()
    rows = await _until_rows(services, agent.id, 3)
    assert sorted(r["operation"] for r in rows) == ["scheduleCallback", "setAgentStatus",
                                                    "setAgentStatus"]


async def test_records_wait_while_the_table_is_gone_and_land_once_it_is_back(quick,
                                                                             pg_database,
                                                                             make_agent):
    services, writer, api = quick
    agent, token = await make_agent()
    admin = await asyncpg.connect(pg_database.plain_url)
    try:
        await admin.execute("ALTER TABLE audit_log RENAME TO audit_log_away")
        try:
            body = await api("mutation { setAgentStatus(status: AVAILABLE) { status } }",
                             token=token)
            assert body["data"]["setAgentStatus"]["status"] == "AVAILABLE"
            # Tried, failed, tried again: still buffered.
            await wait_until(lambda: writer.failed_writes >= 2, "two failed writes",
                             timeout=DEADLINE)
            assert writer.pending == 1
        finally:
            await admin.execute("ALTER TABLE audit_log_away RENAME TO audit_log")
    finally:
        await admin.close()
    [row] = await _until_rows(services, agent.id, 1)
    assert row["operation"] == "setAgentStatus"


async def test_redis_down_loses_no_record(settings, services, make_agent):
    from infrastructure.bootstrap import bootstrap

    broken = await bootstrap(settings.model_copy(
        update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"}))
    try:
        agent, token = await make_agent()
        async with _app_client(broken) as http:
            await Gql(http)("mutation { setAgentStatus(status: AVAILABLE) { status } }",
                            token=token)
    finally:
        await broken.close()  # writes what its writer still holds
    assert [r["operation"] for r in await _rows(services, agent.id)] == ["setAgentStatus"]


# --- reads: once per user per request ---


@strawberry.type
class _Query:
    @strawberry.field
    def peek(self, info: Info, ids: list[int]) -> int:
        record_reads(info, ids)
        return len(ids)


_PEEK = strawberry.Schema(query=_Query, extensions=[AuditMutations])


def _context(services, token: str | None) -> RequestContext:
    return RequestContext(services, authorization=f"Bearer {token}" if token else None,
                          client_ip="192.0.2.44")


async def test_reads_are_recorded_once_per_user_per_request(services, make_agent):
    agent, token = await make_agent("SUPERVISOR")
    context = _context(services, token)
    result = await _PEEK.execute("query Board { a: peek(ids: [1, 2, 2]) b: peek(ids: [2, 3]) }",
                                 context_value=context)
    assert result.errors is None
    record_reads(context, [3, 4])  # the context alone: the operation the request ran
    await _PEEK.execute("{ peek(ids: [1]) again: peek(ids: [5]) }",
                        context_value=_context(services, token))  # a new request
    await services.audit_writer.flush()
    rows = await _rows(services, agent.id)
    assert [(r["user_id"], r["operation"]) for r in rows] == [
        (1, "Board"), (2, "Board"), (3, "Board"), (4, "Board"), (1, "peek"), (5, "peek")]
    assert {(r["kind"], r["address"]) for r in rows} == {("READ", "192.0.2.44")}


async def test_reads_by_the_main_application_or_nobody_are_not_recorded(services, make_agent):
    integration, token = await make_agent("INTEGRATION")
    record_reads(_context(services, token), [1, 2])
    record_reads(_context(services, None), [1, 2])
    record_reads(_context(services, "forged"), [1, 2])
    await services.audit_writer.flush()
    assert await _rows(services, integration.id) == []


# --- auditLog ---


@pytest.fixture
async def trail(services):
    """Two agents' records about two users, written straight through the adapter."""
    async with services.pg.acquire() as conn:
        first, second = await insert_agents(conn, 2, f"audit-{uuid.uuid4().hex[:6]}.test")
    user, other = 910_000 + uuid.uuid4().int % 10_000, 7
    base = datetime(2026, 11, 2, 9, tzinfo=UTC)
    records = [AuditRecord(base + timedelta(minutes=i), AuditKind.READ,
                           first if i % 2 else second, user, f"Op{i}", "10.1.1.1")
               for i in range(5)]
    records.append(AuditRecord(base, AuditKind.MUTATION, first, other, "sendSms", None))
    await services.audit_log.trail.append_many(records)
    return {"user": user, "first": first, "second": second, "base": base}


def _period(base: datetime, days: int = 1) -> dict:
    return {"from": base.isoformat(), "to": (base + timedelta(days=days)).isoformat()}


async def test_auditlog_pages_a_users_records_newest_first(api, make_agent, trail):
    _, token = await make_agent("SUPERVISOR")
    seen, after = [], None
    while True:
        body = await api(AUDIT_LOG, {"userId": str(trail["user"]), "first": 2, "after": after,
                                     **_period(trail["base"])}, token=token)
        page = body["data"]["auditLog"]
        seen += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert [n["operation"] for n in seen] == ["Op4", "Op3", "Op2", "Op1", "Op0"]
    newest = seen[0]
    assert newest["agent"] == {"id": str(trail["second"]), "name": newest["agent"]["name"]}
    assert newest["agent"]["name"].startswith("Agent")
    assert (newest["userId"], newest["address"], newest["kind"]) == (
        str(trail["user"]), "10.1.1.1", "READ")
    assert newest["at"].startswith("2026-11-02T09:04:00")


async def test_auditlog_by_agent_and_by_both(api, make_agent, trail):
    _, token = await make_agent("ADMIN")
    first = str(trail["first"])
    mine = await api(AUDIT_LOG, {"agentId": first, "first": 10, **_period(trail["base"])},
                     token=token)
    assert [e["node"]["operation"] for e in mine["data"]["auditLog"]["edges"]] == [
        "Op3", "Op1", "sendSms"]
    both = await api(AUDIT_LOG, {"agentId": first, "userId": str(trail["user"]), "first": 10,
                                 **_period(trail["base"])}, token=token)
    assert [e["node"]["operation"] for e in both["data"]["auditLog"]["edges"]] == ["Op3", "Op1"]


async def test_auditlog_period_is_from_inclusive_to_exclusive(api, make_agent, trail):
    _, token = await make_agent("SUPERVISOR")
    start = trail["base"] + timedelta(minutes=1)
    body = await api(AUDIT_LOG, {"userId": str(trail["user"]), "first": 10,
                                 "from": start.isoformat(),
                                 "to": (start + timedelta(minutes=2)).isoformat()}, token=token)
    assert [e["node"]["operation"] for e in body["data"]["auditLog"]["edges"]] == ["Op2", "Op1"]


async def test_auditlog_loads_agents_in_one_statement(services, api, make_agent, trail):
    _, token = await make_agent("SUPERVISOR")
    async with services.pg.acquire() as conn:
        many = await insert_agents(conn, 6, f"audit-{uuid.uuid4().hex[:6]}.test")
    user = trail["user"] + 1
    later = trail["base"] + timedelta(days=2)
    await services.audit_log.trail.append_many([
        AuditRecord(later, AuditKind.READ, a, user, "Wide", None) for a in many])

    async def statements(variables: dict) -> int:
        counted = {"n": 0}

        def count(*_a, **_k):
            counted["n"] += 1

        event.listen(services.engine.sync_engine, "before_cursor_execute", count)
        try:
            body = await api(AUDIT_LOG, {"first": 10, **variables}, token=token)
        finally:
            event.remove(services.engine.sync_engine, "before_cursor_execute", count)
        assert all(e["node"]["agent"] for e in body["data"]["auditLog"]["edges"])
        return counted["n"]

    two_agents = await statements({"userId": str(trail["user"]), **_period(trail["base"])})
    six_agents = await statements({"userId": str(user), **_period(later)})
    assert two_agents == six_agents == 1


async def test_auditlog_is_refused_to_an_agent(api, make_agent, trail):
    _, token = await make_agent("AGENT")
    body = await api(AUDIT_LOG, {"userId": str(trail["user"]), "first": 10,
                                 **_period(trail["base"])}, token=token)
    assert error_codes(body) == ["FORBIDDEN"] and body["data"] is None


@pytest.mark.parametrize(("variables", "field"), [
    ({}, "userId"),
    ({"userId": "1", "from": "2026-11-02T09:00:00Z", "to": "2026-11-02T09:00:00Z"}, "from"),
    ({"userId": "1", "from": "2024-01-01T00:00:00Z"}, "to"),
    ({"userId": "1", "first": 0}, "first"),
    ({"userId": "1", "first": 501}, "first"),
    ({"userId": "1", "after": "bm9wZQ=="}, "after"),
    ({"userId": "x"}, "userId"),
    ({"agentId": "not-an-id"}, "agentId"),
])
async def test_auditlog_bad_arguments_name_the_argument(api, make_agent, variables, field):
    _, token = await make_agent("SUPERVISOR")
    arguments = {"first": 10, "from": "2026-11-01T00:00:00Z", "to": "2026-11-02T00:00:00Z",
                 **variables}
    body = await api(AUDIT_LOG, arguments, token=token)
    assert error_codes(body) == ["BAD_USER_INPUT"], body
    assert body["errors"][0]["extensions"]["field"] == field
    if field == "userId" and not variables:
        assert "agentId" in body["errors"][0]["message"]


# --- retention ---


async def test_retention_deletes_only_records_past_keeping_in_chunks(services):
    async with services.pg.acquire() as conn:
        [agent] = await insert_agents(conn, 1, f"audit-{uuid.uuid4().hex[:6]}.test")
    now = datetime(2026, 12, 1, tzinfo=UTC)
    ages = [401, 401, 401, 400.5, 399, 1]
    await services.audit_log.trail.append_many([
        AuditRecord(now - timedelta(days=d), AuditKind.READ, agent, 5, f"Age{d}", None)
        for d in ages])
    removed = await AuditLog(services.audit_log.trail, keep_days=400, purge_chunk=2).purge(now)
    assert removed >= 4  # and any other test's record as old
    assert sorted(r["operation"] for r in await _rows(services, agent)) == ["Age1", "Age399"]


async def test_the_daily_cleanup_applies_audit_keep_days(services):
    async with services.pg.acquire() as conn:
        [agent] = await insert_agents(conn, 1, f"audit-{uuid.uuid4().hex[:6]}.test")
    now = services.clock()
    keep = services.settings.audit_keep_days
    await services.audit_log.trail.append_many([
        AuditRecord(now - timedelta(days=keep + 1), AuditKind.READ, agent, 5, "Old", None),
        AuditRecord(now - timedelta(days=keep - 1), AuditKind.READ, agent, 5, "Kept", None)])
    removed = await daily_cleanup(services, now)
    assert removed["audit_log"] >= 1
    assert [r["operation"] for r in await _rows(services, agent)] == ["Kept"]
