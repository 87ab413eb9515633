"""explainScore, rule sets and experiments through the API."""

from __future__ import annotations

import copy
from datetime import date

import pytest

from domain.scoring.rules import DEFAULT_RULE_SET_DOCUMENT
from tests.integration.test_leads import NEXT, Api
from tests.queue_env import queue_env

pytestmark = pytest.mark.integration

EXPLAIN = ("query($u: ID!) { explainScore(userId: $u) { userId totalScore queueType "
           "ruleSetVersion experimentArm breakdown { lenderScore ageScore timeScore "
           "dispositionScore adjustmentScore } factors recommendations } }")
CREATE = ("mutation($n: String!, $d: JSON!) { createRuleSet(name: $n, document: $d) { "
          "__typename ... on RuleSetCreated { ruleSet { id version status } } "
          "... on RuleSetInvalid { problems { path message } } } }")
ACTIVATE = "mutation($id: ID!) { activateRuleSet(id: $id) { id version status } }"
START = ("mutation($n: String!, $v: ID!, $s: Float!) { startExperiment(name: $n, "
         "variantRuleSetId: $v, share: $s) { __typename ... on ExperimentStarted { "
         "experiment { id name status } } ... on ExperimentRejected { message } } }")
RESULTS = ("query($id: ID!) { experiment(id: $id) { id name status share "
           "arms { name users attempts contactRate conversionRate } pValue } }")


@pytest.fixture
async def env():
    async with queue_env() as built:
        api = Api(built[0])
        yield (*built, api)
        await api.http.aclose()


async def test_explain_adds_up_and_says_what_to_chase(env):
    services, rows, _, api = env
    user = await rows.user(signature=None, date_of_birth=date(1950, 1, 1))
    claim = await rows.claim(user, lender="Santander UK")
    await rows.requirement(claim, type="id_document", reason=None)
    await services.queues.rebuild()
    _, token = await api.agent("SUPERVISOR")
    found = (await api(EXPLAIN, {"u": str(user)}, token))["explainScore"]
    parts = found["breakdown"]
    assert round(sum(parts.values()), 2) == found["totalScore"]
    assert parts["lenderScore"] == -20 and parts["ageScore"] == -15
    assert found["queueType"] == "UNSIGNED" and found["ruleSetVersion"] == 1
    assert any("Santander UK" in f for f in found["factors"])
    assert any("signature" in r for r in found["recommendations"])
    assert any("photo ID" in r for r in found["recommendations"])
    assert (await api(EXPLAIN, {"u": "999999999"}, token))["explainScore"] is None


async def test_an_invalid_rule_set_is_refused_with_every_problem(env):
    services, _, _, api = env
    _, admin = await api.agent("ADMIN")
    bad = copy.deepcopy(DEFAULT_RULE_SET_DOCUMENT)
    bad["lenders"]["aliases"]["halifax"] = "lloyds bank group"
    bad["claim_age"]["cap"] = 30
    bad["cooldowns"]["no_answer"] = "later"
    del bad["outcome_points"]
    result = (await api(CREATE, {"n": "broken", "d": bad}, admin))["createRuleSet"]
    paths = {p["path"] for p in result["problems"]}
    assert paths == {"lenders.aliases.halifax", "claim_age.cap", "cooldowns.no_answer",
                     "outcome_points"}
    listed = await api("{ ruleSets { version status } }", {}, admin)
    assert listed["ruleSets"] == [{"version": 1, "status": "ACTIVE"}]


async def test_activating_a_version_rescores_the_queue(env):
    services, rows, _, api = env
    user = await rows.user(signature=None)
    await rows.claim(user, lender="Halifax")
    await services.queues.rebuild()
    _, admin = await api.agent("ADMIN")
    before = (await api(EXPLAIN, {"u": str(user)}, admin))["explainScore"]["totalScore"]
    doc = copy.deepcopy(DEFAULT_RULE_SET_DOCUMENT)
    doc["lenders"]["points"]["halifax"] = -50
    created = (await api(CREATE, {"n": "halifax push", "d": doc}, admin))["createRuleSet"]
    assert created["ruleSet"]["status"] == "DRAFT" and created["ruleSet"]["version"] == 2
    active = (await api(ACTIVATE, {"id": created["ruleSet"]["id"]}, admin))["activateRuleSet"]
    assert active["status"] == "ACTIVE"
    after = (await api(EXPLAIN, {"u": str(user)}, admin))["explainScore"]
    assert after["totalScore"] == before - 50 and after["ruleSetVersion"] == 2
    await services.background.drain()  # the queue is rescored in the background
    async with services.pg.acquire() as conn:
        stored = await conn.fetchval("SELECT score FROM queue_entries WHERE user_id = $1", user)
    assert stored == after["totalScore"]


async def test_experiments_split_users_stably_and_report_per_arm(env):
    services, rows, _, api = env
    users = []
    for _ in range(30):
        users.append(await rows.user(signature=None))
        await rows.claim(users[-1])
    await services.queues.rebuild()
    _, admin = await api.agent("ADMIN")
    doc = copy.deepcopy(DEFAULT_RULE_SET_DOCUMENT)
    doc["failed_attempt_points"] = 20
    variant = (await api(CREATE, {"n": "v", "d": doc}, admin))["createRuleSet"]["ruleSet"]
    rejected = (await api(START, {"n": "x", "v": variant["id"], "s": 1.5}, admin))
    assert "share must be between 0 and 1" in rejected["startExperiment"]["message"]
    started = (await api(START, {"n": "fails cost more", "v": variant["id"], "s": 0.5}, admin))
    experiment = started["startExperiment"]["experiment"]
    arms = [(await api(EXPLAIN, {"u": str(u)}, admin))["explainScore"]["experimentArm"]
            for u in users]
    assert set(arms) == {"control", "variant"}
    again = [(await api(EXPLAIN, {"u": str(u)}, admin))["explainScore"]["experimentArm"]
             for u in users]
    assert arms == again
    _, agent = await api.agent()
    lead = (await api(NEXT, {"t": "UNSIGNED"}, agent))["nextLead"]["assignment"]
    await api("mutation($i: DispositionInput!) { recordDisposition(input: $i) { __typename } }",
              {"i": {"assignmentId": lead["id"], "outcome": "CONTACTED"}}, agent)
    results = (await api(RESULTS, {"id": experiment["id"]}, admin))["experiment"]
    assert results["status"] == "RUNNING" and results["share"] == 0.5
    called = [a for a in results["arms"] if a["users"]]
    assert len(called) == 1 and called[0]["attempts"] == 1 and called[0]["contactRate"] == 1.0
    assert results["pValue"] is None  # no conversions yet: the test is undefined


async def test_only_admins_change_rules(env):
    _, _, _, api = env
    _, supervisor = await api.agent("SUPERVISOR")
    response = await api.http.post("/graphql", json={"query": CREATE, "variables": {
        "n": "x", "d": DEFAULT_RULE_SET_DOCUMENT}}, headers={
        "Authorization": f"Bearer {supervisor}"})
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
