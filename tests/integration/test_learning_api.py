"""contactProfile, learningSnapshots and learnScores (contracts/operations/learning.graphql)
through the real app, over history imported with `dialler history import` and a real run."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date

import pytest
from graphql import OperationDefinitionNode, parse, print_ast

from domain.learning.contact_windows import HOURS
from domain.learning.segments import contact_segment
from tests.contracts import OPERATIONS
from tests.integration.test_cli import invoke
from tests.integration.test_history_import import HEADER
from tests.integration.test_leads import Api
from tests.queue_env import NOW, for_the_shell, queue_env

pytestmark = pytest.mark.integration

BORN, POST_CODE = date(1970, 5, 1), "LS1 4AP"
CALLED_AT = (9, 18)
SEGMENT = contact_segment(BORN, POST_CODE, NOW.date())  # "45-59 · LS"
OPS = {n.name.value: print_ast(n)
       for n in parse((OPERATIONS / "learning.graphql").read_text()).definitions
       if isinstance(n, OperationDefinitionNode) and n.name}


class LearningApi(Api):
    """The contract's operations as they are written, the whole answer (errors too)."""

    async def ask(self, operation: str, token: str, **variables) -> dict:
        response = await self.http.post(
            "/graphql", json={"query": OPS[operation], "variables": variables,
                              "operationName": operation},
            headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
        return response.json()

    async def data(self, operation: str, token: str, **variables) -> dict:
        body = await self.ask(operation, token, **variables)
        assert "errors" not in body, body
        return body["data"]


def _codes(body: dict) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors") or ()]


def _history(users_by_hour: dict[int, list[int]]) -> str:
    """Eight November days (GMT: UTC is London time), each user called at 09:00 and 18:00
    and answering in their own hour only; two texts each, the first replied to."""
    lines, n = [HEADER], 0
    for hour, users in users_by_hour.items():
        for user in users:
            for day in range(2, 10):
                for at in CALLED_AT:
                    n += 1
                    outcome = "CONTACTED" if at == hour else "NO_ANSWER"
                    lines.append(f"h{n},{user},2026-11-{day:02d}T{at:02d}:15:00+00:00,call,"
                                 f"outbound,{outcome},60,")
            for day, outcome in ((10, "replied"), (11, "sent")):
                n += 1
                lines.append(f"h{n},{user},2026-11-{day:02d}T12:00:00Z,sms,outbound,"
                             f"{outcome},,")
    return "\n".join(lines) + "\n"


async def _import(services, tmp_path, users_by_hour: dict[int, list[int]]) -> None:
    path = tmp_path / f"history-{uuid.uuid4().hex[:6]}.csv"
    path.write_text(_history(users_by_hour), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        for_the_shell(patch, services.settings)
        result = await invoke("history", "import", str(path))
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
async def world(tmp_path_factory):
    """Evening answerers in SEGMENT, morning answerers elsewhere, learned once (version 1);
    a newcomer in SEGMENT and a stranger in a segment nobody was called in."""
    async with queue_env() as (services, rows, _):
        async def user(born=BORN, post_code=POST_CODE):
            made = await rows.user(signature=None, date_of_birth=born)
            await rows.address(made, post_code=post_code)
            return made

        evening = [await user() for _ in range(3)]
        morning = [await user(date(1999, 1, 1), "ZE1 0AA") for _ in range(3)]
        await _import(services, tmp_path_factory.mktemp("history"),
                      {18: evening, 9: morning})
        report = await services.learning.run()
        assert report.version == 1
        api = LearningApi(services)
        tokens = {}
        for name, role in (("A", "AGENT"), ("B", "AGENT"), ("S", "SUPERVISOR"),
                           ("D", "ADMIN"), ("I", "INTEGRATION")):
            agent, tokens[name] = await api.agent(role)
            tokens[name + "_id"] = agent.id
        await api.works_on(tokens["A_id"], evening[0])  # A called them today
        yield {"services": services, "api": api, "tokens": tokens, "evening": evening,
               "newcomer": await user(), "stranger": await user(date(1950, 1, 1), "TR1 1AA")}
        await api.http.aclose()


async def _profile(world, user: int, who: str = "S") -> dict | None:
    found = await world["api"].data("ContactProfile", world["tokens"][who], userId=str(user))
    return found["contactProfile"]


# --- contactProfile ---


async def test_a_user_with_history_gets_their_own_hours_rates_and_evidence(world):
    user = world["evening"][0]
    found = await _profile(world, user)
    row = await world["services"].pg.fetchrow(
        "SELECT estimates, call_rate, text_rate, preferred FROM learned_users "
        "WHERE user_id = $1", user)
    assert found["userId"] == str(user) and found["snapshotVersion"] == 1
    hours = found["bestHours"]
    assert sorted(h["hour"] for h in hours) == list(HOURS)
    assert [h["probability"] for h in hours] == sorted((h["probability"] for h in hours),
                                                       reverse=True)
    assert hours[0] == {"hour": 18, "probability": row["estimates"][HOURS.index(18)],
                        "attempts": 8}
    attempts = {h["hour"]: h["attempts"] for h in hours}
    assert attempts[9] == 8 and sum(attempts.values()) == 16  # the user's own calls only
    assert (found["callAnswerRate"], found["smsReplyRate"]) == (row["call_rate"],
                                                                row["text_rate"])
    assert found["preferredChannel"] == (row["preferred"].upper() if row["preferred"]
                                         else None)
    assert "answers 8 of 8 calls between" in found["evidence"]
    assert "answers 8 of 16 calls" in found["evidence"]
    assert "replies to 1 of 2 texts" in found["evidence"]


async def test_a_user_without_history_gets_their_segments_hours(world):
    found = await _profile(world, world["newcomer"])
    estimates = await world["services"].pg.fetchval(
        "SELECT estimates FROM learned_segments WHERE segment = $1", SEGMENT)
    assert found["snapshotVersion"] == 1
    assert {h["hour"]: h["probability"] for h in found["bestHours"]} == dict(
        zip(HOURS, estimates, strict=True))
    assert found["bestHours"][0]["hour"] == 18
    assert all(h["attempts"] == 0 for h in found["bestHours"])
    assert (found["callAnswerRate"], found["smsReplyRate"], found["preferredChannel"]) == (
        None, None, None)
    assert found["evidence"].startswith(f"no calls of their own; people like them ({SEGMENT})")


async def test_a_segment_nobody_was_called_in_falls_back_to_everyone(world):
    found = await _profile(world, world["stranger"])
    everyone = await world["services"].pg.fetchval(
        "SELECT estimates FROM learned_segments WHERE segment = 'everyone'")
    assert [h["probability"] for h in found["bestHours"]] == sorted(everyone, reverse=True)
    assert "no calls of their own; people in general answer best" in found["evidence"]


async def test_a_user_nobody_knows_has_no_profile(world):
    assert await _profile(world, 987654321) is None


async def test_many_profiles_cost_what_one_does(world):
    services, api, token = world["services"], world["api"], world["tokens"]["S"]
    users = [*world["evening"], world["newcomer"], world["stranger"]]

    async def cost(ids: list[int]) -> tuple[int, int]:
        query = "{ " + " ".join(f"p{i}: contactProfile(userId: \"{u}\") {{ userId }}"
                                for i, u in enumerate(ids)) + " }"
        pg, replica = services.pg_statements.count, services.replica.db.statements
        response = await api.http.post("/graphql", json={"query": query},
                                       headers={"Authorization": f"Bearer {token}"})
        assert "errors" not in response.json(), response.json()
        return services.pg_statements.count - pg, services.replica.db.statements - replica

    await cost(users[-1:])  # the session and rules are read once, by whichever test is first
    one, many = await cost(users[:1]), await cost(users)
    assert one == many


async def test_agents_see_only_the_profiles_of_users_they_work_on(world):
    api, tokens, user = world["api"], world["tokens"], world["evening"][0]
    assert (await _profile(world, user, "A"))["userId"] == str(user)
    for who in ("S", "D"):
        assert (await _profile(world, user, who))["userId"] == str(user)
    refused = await api.ask("ContactProfile", tokens["B"], userId=str(user))
    assert _codes(refused) == ["FORBIDDEN"] and refused["data"]["contactProfile"] is None
    assert refused["errors"][0]["extensions"]["userId"] == str(user)
    assert str(user) not in str(refused.get("data"))
    other = await api.ask("ContactProfile", tokens["A"], userId=str(world["newcomer"]))
    assert _codes(other) == ["FORBIDDEN"]
    integration = await api.ask("ContactProfile", tokens["I"], userId=str(user))
    assert _codes(integration) == ["FORBIDDEN"]


async def test_reading_a_profile_is_audited(world):
    services, tokens, user = world["services"], world["tokens"], world["evening"][0]
    await _profile(world, user, "A")
    await services.audit_writer.flush()
    rows = await services.pg.fetch(
        "SELECT kind, user_id, operation FROM audit_log WHERE agent_id = $1", tokens["A_id"])
    assert ("READ", user, "ContactProfile") in {tuple(r) for r in rows}


@pytest.mark.parametrize("raw", ["abc", "-4", "0", "1" * 25, "12 34"])
async def test_a_malformed_user_id_is_bad_input_naming_it(world, raw):
    body = await world["api"].ask("ContactProfile", world["tokens"]["S"], userId=raw)
    assert _codes(body) == ["BAD_USER_INPUT"], body
    assert body["errors"][0]["extensions"]["field"] == "userId"


# --- learningSnapshots and learnScores ---


async def test_snapshots_are_for_supervisors_and_admins(world):
    api, tokens = world["api"], world["tokens"]
    for who in ("S", "D"):
        listed = (await api.data("LearningSnapshots", tokens[who]))["learningSnapshots"]
        assert listed[-1]["version"] == 1 and listed[0]["status"] == "ACTIVE"
    first = listed[-1]
    assert first["users"] == 6 and first["historyRows"] == 6 * (16 + 2)
    for who in ("A", "I"):
        refused = await api.ask("LearningSnapshots", tokens[who])
        assert _codes(refused) == ["FORBIDDEN"] and refused["data"] is None


async def test_only_admins_learn(world):
    api, tokens = world["api"], world["tokens"]
    for who in ("A", "S", "I"):
        refused = await api.ask("LearnScores", tokens[who])
        assert _codes(refused) == ["FORBIDDEN"] and refused["data"] is None
        assert refused["errors"][0]["extensions"]["requiredRoles"] == ["ADMIN"]


async def test_learn_scores_makes_a_new_active_snapshot_and_supersedes_the_old(world):
    services, api, tokens = world["services"], world["api"], world["tokens"]
    before = (await api.data("LearningSnapshots", tokens["D"]))["learningSnapshots"]
    answer = (await api.data("LearnScores", tokens["D"]))["learnScores"]
    assert answer["__typename"] == "LearningFinished"
    made = answer["snapshot"]
    assert made["version"] == before[0]["version"] + 1 and made["status"] == "ACTIVE"
    assert made["historyRows"] == before[0]["historyRows"] and made["createdAt"]
    after = (await api.data("LearningSnapshots", tokens["S"]))["learningSnapshots"]
    assert [s["version"] for s in after] == [made["version"], *[s["version"] for s in before]]
    assert {s["status"] for s in after[1:]} == {"SUPERSEDED"}
    assert (await _profile(world, world["evening"][0]))["snapshotVersion"] == made["version"]
    await services.audit_writer.flush()
    audited = await services.pg.fetch(
        "SELECT kind, user_id, operation FROM audit_log WHERE agent_id = $1", tokens["D_id"])
    assert ("MUTATION", None, "learnScores") in {tuple(r) for r in audited}
    assert await services.pg.fetchval(
        "SELECT status FROM job_runs WHERE job = 'learn' ORDER BY id DESC LIMIT 1") == "DONE"


async def test_a_run_already_going_is_not_started_twice(world):
    services, api, tokens = world["services"], world["api"], world["tokens"]
    before = (await api.data("LearningSnapshots", tokens["S"]))["learningSnapshots"]
    async with services.job_runs.held("learn") as held:  # as the worker's nightly job does
        assert held
        answer = (await api.data("LearnScores", tokens["D"]))["learnScores"]
    assert answer["__typename"] == "LearningFailed"
    assert "already going" in answer["message"]
    assert (await api.data("LearningSnapshots", tokens["S"]))["learningSnapshots"] == before


async def test_two_learn_scores_at_once_run_one(world):
    api, token = world["api"], world["tokens"]["D"]
    answers = await asyncio.gather(*(api.data("LearnScores", token) for _ in range(2)))
    kinds = sorted(a["learnScores"]["__typename"] for a in answers)
    assert kinds in (["LearningFailed", "LearningFinished"],
                     ["LearningFinished", "LearningFinished"])  # the second after the first
    listed = (await api.data("LearningSnapshots", world["tokens"]["S"]))["learningSnapshots"]
    assert [s["status"] for s in listed].count("ACTIVE") == 1


# --- a dialler of its own: nothing learned yet, then a run that fails ---


@pytest.fixture
async def fresh():
    async with queue_env() as (services, rows, _):
        api = LearningApi(services)
        yield services, rows, api
        await api.http.aclose()


async def test_without_a_snapshot_there_is_no_profile(fresh):
    services, rows, api = fresh
    user = await rows.user(signature=None, date_of_birth=BORN)
    _, token = await api.agent("SUPERVISOR")
    assert (await api.data("ContactProfile", token, userId=str(user)))["contactProfile"] is None
    assert (await api.data("LearningSnapshots", token))["learningSnapshots"] == []


async def test_a_failed_run_answers_learning_failed_and_keeps_the_previous_active(fresh,
                                                                                   tmp_path):
    services, rows, api = fresh
    user = await rows.user(signature=None, date_of_birth=BORN)
    await _import(services, tmp_path, {18: [user]})
    _, admin = await api.agent("ADMIN")
    first = (await api.data("LearnScores", admin))["learnScores"]
    assert first["__typename"] == "LearningFinished" and first["snapshot"]["version"] == 1
    await services.pg.execute("DROP TABLE learned_segments")  # the store's save now fails
    failed = (await api.data("LearnScores", admin))["learnScores"]
    assert failed["__typename"] == "LearningFailed"
    assert "previous snapshot stays active" in failed["message"]
    listed = (await api.data("LearningSnapshots", admin))["learningSnapshots"]
    assert [(s["version"], s["status"]) for s in listed] == [(1, "ACTIVE")]
    run = await services.pg.fetchrow(
        "SELECT status, error FROM job_runs WHERE job = 'learn' ORDER BY id DESC LIMIT 1")
    assert run["status"] == "FAILED" and "learned_segments" in run["error"]
