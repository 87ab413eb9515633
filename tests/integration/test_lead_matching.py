"""Agent matching in nextLead, against real PostgreSQL and MariaDB: the entry an agent
converts better near the top, never a user twice, never a starved top entry.

Scores here (default rule set, born 1956, claims 30 days old, never reached): Santander
-125, Lloyds -120 (inside the default 5-point window), Halifax -105 (outside it).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx
import pytest

from domain.agents.model import Role
from domain.agents.sessions import Principal
from graphql_api.app import create_app
from tests.integration.test_cli import invoke
from tests.queue_env import NOW, queue_env
from tests.services import insert_agents

pytestmark = pytest.mark.integration

NEXT = ("mutation { nextLead(type: UNSIGNED) { __typename "
        "... on LeadAssigned { assignment { id user { id } } } "
        "... on NoLeadAvailable { reason } } }")
EXPLAIN = "query($u: ID!) { explainScore(userId: $u) { factors } }"
LLOYDS_REASON = ("Matched: you convert 31% of UNSIGNED Lloyds leads against the team's 22% "
                 "(12 of 39)")
# (converted, worked, the agent's shrunk estimate, the team's estimate)
GOOD_AT_LLOYDS = {"lloyds": (12, 39, 0.31, 0.22), "halifax": (30, 40, 0.9, 0.2)}


class Floor:
    """Agents asking through the API, and the learning snapshot their rates are in."""

    def __init__(self, services, rows, clock):
        self.services, self.rows, self.clock = services, rows, clock
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(services)),
                                      base_url="http://t", timeout=60)
        self.snapshot: int | None = None

    async def users(self, *lenders: str) -> list[int]:
        found = []
        for lender in lenders:
            user = await self.rows.user(signature=None)
            await self.rows.claim(user, lender=lender)
            found.append(user)
        await self.services.queues.rebuild()
        return found

    async def agents(self, count: int, role: Role = Role.AGENT) -> list[uuid.UUID]:
        async with self.services.pg.acquire() as conn:
            ids = await insert_agents(conn, count)
            if role is not Role.AGENT:
                await conn.execute("UPDATE agents SET role = $1 WHERE id = ANY($2::uuid[])",
                                   role.value, ids)
        return ids

    async def rates(self, agent_id: uuid.UUID, by_lender: dict[str, tuple]) -> None:
        """The agent's UNSIGNED rates in the active snapshot (made on first use)."""
        async with self.services.pg.acquire() as conn:
            if self.snapshot is None:
                self.snapshot = await conn.fetchval(
                    "INSERT INTO learning_snapshots (version, status, created_at, figures) "
                    "VALUES (1, 'ACTIVE', $1, '{}'::jsonb) RETURNING id", NOW)
            await conn.executemany(
                "INSERT INTO learned_agents (snapshot_id, agent_id, queue_type, lender, "
                "converted, worked, estimate, confidence, team_estimate) "
                "VALUES ($1, $2, 'UNSIGNED', $3, $4, $5, $6, 0.5, $7)",
                [(self.snapshot, agent_id, lender, *figures)
                 for lender, figures in by_lender.items()])
        self.services.leases.matcher.rates.forget()  # the cache would see it within 30 s

    async def post(self, query: str, agent_id: uuid.UUID, role: Role = Role.AGENT,
                   variables: dict | None = None) -> dict:
        token = self.services.tokens.issue(Principal(agent_id, role)).token
        response = await self.http.post("/graphql",
                                        json={"query": query, "variables": variables or {}},
                                        headers={"Authorization": f"Bearer {token}"})
        body = response.json()
        assert "errors" not in body, body
        return body["data"]

    async def next_lead(self, agent_id: uuid.UUID) -> int | None:
        lead = (await self.post(NEXT, agent_id))["nextLead"]
        if lead["__typename"] != "LeadAssigned":
            assert lead["reason"] == "no callable entry in UNSIGNED right now"
            return None
        return int(lead["assignment"]["user"]["id"])

    async def entry(self, user: int) -> tuple:
        """(passed_over_at, match_reason of its open lease) of a user's entry."""
        async with self.services.pg.acquire() as conn:
            return tuple(await conn.fetchrow(
                "SELECT q.passed_over_at, l.match_reason FROM queue_entries q "
                "LEFT JOIN leases l ON l.id = q.lease_id WHERE q.user_id = $1", user))


@pytest.fixture
async def floor():
    async with queue_env() as (services, rows, clock):
        built = Floor(services, rows, clock)
        yield built
        await built.http.aclose()


async def test_without_evidence_the_order_is_todays(floor):
    santander, lloyds, halifax = await floor.users("Santander", "Lloyds", "Halifax")
    first = (await floor.agents(1))[0]
    assert await floor.next_lead(first) == santander  # no snapshot at all
    (someone,) = await floor.agents(1)
    await floor.rates(someone, GOOD_AT_LLOYDS)  # a snapshot, but not of these agents
    others = await floor.agents(2)
    assert [await floor.next_lead(a) for a in others] == [lloyds, halifax]
    for user in (santander, lloyds, halifax):
        assert await floor.entry(user) == (None, None)


async def test_evidence_hands_the_better_converting_entry_in_the_window(floor):
    santander, lloyds, _ = await floor.users("Santander", "Lloyds", "Halifax")
    matched, plain = await floor.agents(2)
    await floor.rates(matched, GOOD_AT_LLOYDS)
    assert await floor.next_lead(matched) == lloyds
    assert await floor.entry(lloyds) == (None, LLOYDS_REASON[0].lower() + LLOYDS_REASON[1:])
    assert await floor.entry(santander) == (NOW, None)  # passed over, from now
    assert await floor.next_lead(plain) == santander  # anyone without evidence takes it
    assert await floor.entry(santander) == (None, None)


async def test_an_entry_outside_the_window_is_never_chosen(floor):
    santander, halifax = await floor.users("Santander", "Halifax")
    (agent,) = await floor.agents(1)
    await floor.rates(agent, GOOD_AT_LLOYDS)  # 90% on Halifax, but 20 points behind
    assert await floor.next_lead(agent) == santander
    assert await floor.entry(santander) == (None, None)


async def test_the_passed_over_top_is_taken_once_the_longest_wait_is_up(floor):
    santander, *lloyds = await floor.users("Santander", "Lloyds", "Lloyds", "Lloyds")
    agents = await floor.agents(3)
    for agent in agents:
        await floor.rates(agent, GOOD_AT_LLOYDS)
    assert await floor.next_lead(agents[0]) in lloyds
    floor.clock.now = NOW + timedelta(minutes=14, seconds=59)
    assert await floor.next_lead(agents[1]) in lloyds
    assert (await floor.entry(santander))[0] == NOW  # the wait runs from the first pass
    floor.clock.now = NOW + timedelta(minutes=15)  # MATCH_MAX_WAIT_MINUTES
    assert await floor.next_lead(agents[2]) == santander
    assert await floor.entry(santander) == (None, None)


async def test_explain_score_says_why_a_lead_was_matched(floor):
    santander, lloyds, _ = await floor.users("Santander", "Lloyds", "Halifax")
    (agent,) = await floor.agents(1)
    (supervisor,) = await floor.agents(1, Role.SUPERVISOR)
    await floor.rates(agent, GOOD_AT_LLOYDS)
    assert await floor.next_lead(agent) == lloyds

    async def factors(user: int) -> list[str]:
        return (await floor.post(EXPLAIN, supervisor, Role.SUPERVISOR,
                                 {"u": str(user)}))["explainScore"]["factors"]

    assert (await factors(lloyds))[-1] == LLOYDS_REASON
    assert not [f for f in await factors(santander) if f.startswith("Matched")]


async def test_the_shell_explains_a_match_as_the_api_does(shell_env):
    floor = Floor(*shell_env)
    try:
        santander, lloyds, _ = await floor.users("Santander", "Lloyds", "Halifax")
        (agent,) = await floor.agents(1)
        await floor.rates(agent, GOOD_AT_LLOYDS)
        assert await floor.next_lead(agent) == lloyds
        async with floor.services.pg.acquire() as conn:  # the shell reads the real clock
            await conn.execute("UPDATE queue_entries SET lease_expires_at = now() + "
                               "interval '10 minutes' WHERE user_id = $1", lloyds)
    finally:
        await floor.http.aclose()
    matched = await invoke("scoring", "explain", str(lloyds))
    assert matched.exit_code == 0, matched.output
    assert "Matched: you convert 31% of UNSIGNED Lloyds leads" in matched.output
    assert "learned" in matched.output
    plain = await invoke("scoring", "explain", str(santander))
    assert plain.exit_code == 0 and "Matched" not in plain.output


async def test_sixty_agents_at_once_with_matching_never_share_a_user(floor):
    lenders = ["Santander", "Lloyds", "Barclays", "HSBC", "Nationwide", "Halifax"]
    users = await floor.users(*(lenders[n % len(lenders)] for n in range(50)))
    agents = await floor.agents(60)
    for n, agent in enumerate(agents):  # each agent clearly better at two lenders
        await floor.rates(agent, {lenders[n % 6].lower(): (9, 20, 0.45, 0.25),
                                  lenders[(n + 2) % 6].lower(): (7, 20, 0.40, 0.25)})
    leased = await asyncio.gather(*(floor.next_lead(a) for a in agents))
    handed = [u for u in leased if u is not None]
    assert len(handed) == len(set(handed))  # nobody shares a user
    # Those left without a lead ask again (one at a time): every callable user is handed
    # out exactly once.
    for agent, got in zip(agents, leased, strict=True):
        if got is None and (again := await floor.next_lead(agent)) is not None:
            handed.append(again)
    assert sorted(handed) == sorted(users)
    async with floor.services.pg.acquire() as conn:
        matched = await conn.fetchval(
            "SELECT count(*) FROM leases WHERE match_reason IS NOT NULL AND ended_at IS NULL")
        held = await conn.fetch("SELECT user_id, count(*) FROM leases WHERE ended_at IS NULL "
                                "GROUP BY 1 HAVING count(*) > 1")
    assert matched > 0 and held == []
