"""A bounded GraphQL fuzz: every query and mutation root field, as every role, through the
real app. No answer may be a 5xx or carry INTERNAL_SERVER_ERROR.

Subscriptions are left out: hypothesis-graphql generates queries and mutations only.
The longer run is ``bench/bench_fuzz.py``.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from domain.scoring.rules import DEFAULT_RULE_SET_DOCUMENT
from graphql_api.context import CallerFirst
from tests.graphql_fuzz import (
    PROFILE,
    ROLES,
    Operation,
    OwnLoop,
    fuzz_target,
    operations,
    root_fields,
    subscription_fields,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def target():
    """The fuzz's dialler, on a loop of its own: hypothesis drives sync tests."""
    loop = OwnLoop()
    entered = fuzz_target()
    built = loop.run(entered.__aenter__())
    yield loop, built
    loop.run(entered.__aexit__(None, None, None))
    loop.close()


DOCUMENT_WITH_NUL = {**DEFAULT_RULE_SET_DOCUMENT, "adjustments": [{"name": "pay\x00day",
                                                                    "points": 5}]}
# What the fuzz found: text PostgreSQL cannot store (NUL) or wider than its column, each a
# server error once. Each is now refused by name, in the operation's own answer.
FOUND = [
    ("ADMIN", "mutation($n: String!, $v: ID!) { startExperiment(name: $n, "
              "variantRuleSetId: $v, share: 0.2) { ... on ExperimentRejected { message } } }",
     {"n": "\x00"}, "name must not contain the NUL character"),
    ("ADMIN", "mutation($n: String!, $v: ID!) { startExperiment(name: $n, "
              "variantRuleSetId: $v, share: 0.2) { ... on ExperimentRejected { message } } }",
     {"n": "x" * 201}, "name must be 1 to 200 characters"),
    ("ADMIN", "mutation($n: String!, $d: JSON!) { createRuleSet(name: $n, document: $d) { "
              "... on RuleSetInvalid { problems { path message } } } }",
     {"n": "spring\x00", "d": DEFAULT_RULE_SET_DOCUMENT}, "must not contain the NUL"),
    ("ADMIN", "mutation($n: String!, $d: JSON!) { createRuleSet(name: $n, document: $d) { "
              "... on RuleSetInvalid { problems { path message } } } }",
     {"n": "spring", "d": DOCUMENT_WITH_NUL}, "adjustments[0].name"),
    ("SUPERVISOR", "mutation($u: ID!) { sendSms(userId: $u, body: \"hi\\u0000\") { "
                   "__typename } }", {}, "body must not contain the NUL character"),
    ("SUPERVISOR", "mutation($u: ID!, $n: String) { scheduleCallback(userId: $u, "
                   "at: \"2026-11-25T10:00:00+00:00\", note: $n) { "
                   "... on CallbackRejected { message } } }",
     {"n": "ring \x00"}, "note must not contain the NUL character"),
    ("AGENT", "mutation($a: ID!, $n: String, $c: String) { recordDisposition(input: { "
              "assignmentId: $a, outcome: NO_ANSWER, notes: $n, callSid: $c }) { "
              "... on DispositionRejected { message } } }",
     {"n": "no\x00answer"}, "notes must not contain the NUL character"),
    ("AGENT", "mutation($a: ID!, $n: String, $c: String) { recordDisposition(input: { "
              "assignmentId: $a, outcome: NO_ANSWER, notes: $n, callSid: $c }) { "
              "... on DispositionRejected { message } } }",
     {"c": "CA" + "0" * 63}, "callSid is longer than 64 characters"),
    ("AGENT", "mutation($r: String) { setAgentStatus(status: WRAP_UP, reason: $r) { id } }",
     {"r": "0\x000"}, "reason must not contain the NUL character"),
]


@pytest.mark.parametrize(("role", "query", "given", "refusal"), FOUND,
                         ids=lambda v: v if isinstance(v, str) and len(v) < 50 else None)
def test_what_the_fuzz_found_is_refused_by_name(target, role, query, given, refusal):
    loop, fuzz = target
    leased = fuzz.pool.of("assignment")[0]  # the AGENT's own lead, from the set-up
    variables = {"u": fuzz.pool.of("user")[-1], "v": fuzz.pool.of("ruleSet")[0],
                 "a": leased, **given}
    used = {name: value for name, value in variables.items() if f"${name}" in query}
    answer = loop.run(fuzz.post(query, used, role)).json()
    codes = [e["extensions"]["code"] for e in answer.get("errors") or []]
    assert "INTERNAL_SERVER_ERROR" not in codes, answer
    assert refusal in str(answer), answer


@pytest.mark.parametrize(("kind", "root"), root_fields(), ids=lambda v: v)
def test_no_server_error(target, kind, root):
    loop, fuzz = target
    before = len(fuzz.tally.failures)
    tried = fuzz.tally.roots[f"{kind}.{root}"]
    by_role = dict(fuzz.tally.examples)

    @settings(settings.get_profile(PROFILE))
    @given(operation=operations(kind, root, fuzz.pool))
    def fuzz_root(operation):
        loop.run(fuzz.try_operation(operation))

    fuzz_root()
    assert fuzz.tally.roots[f"{kind}.{root}"] > tried  # the field was really tried
    assert all(fuzz.tally.examples[role] > by_role.get(role, 0) for role in ROLES)
    found = fuzz.tally.failures[before:]
    assert not found, "\n\n".join(f.describe() for f in found)


def test_a_server_error_is_caught_with_the_servers_traceback(target, monkeypatch):
    loop, fuzz = target

    async def broken(_profiles, _agent_id):
        raise RuntimeError("a planted fault")

    monkeypatch.setattr(CallerFirst, "get", broken)  # what `me` reads its agent through
    before = len(fuzz.tally.failures)
    loop.run(fuzz.try_operation(Operation("query.me", "{ me { id } }", {})))
    found = fuzz.tally.failures[before:]
    del fuzz.tally.failures[before:]  # planted: no failure of the fuzz's own
    assert {f.role for f in found} == {"AGENT", "SUPERVISOR", "ADMIN", "INTEGRATION"}
    for failure in found:
        assert failure.errors[0]["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
        assert "RuntimeError: a planted fault" in failure.tracebacks[0]
        assert "{ me { id } }" in failure.describe()


MALFORMED = [  # requests no schema describes: each is refused, none is a server error
    dict(content=b"{not json", headers={"content-type": "application/json"}),
    dict(content=b"\xff\xfe", headers={"content-type": "application/json"}),
    dict(json=[{"query": "{ me { id } }"}]),
    dict(json={"query": 5}),
    dict(json={"query": "{ me { id } }", "variables": [1]}),
    dict(json={"query": "{ me { id } }", "operationName": 7}),
    dict(json={"query": "{ me { id } }", "extensions": "x"}),
    dict(json={}),
    dict(content=b"{ me { id } }", headers={"content-type": "application/graphql"}),
    dict(content=b"query=%7Bme%7D", headers={"content-type": "application/x-www-form-urlencoded"}),
    dict(content=b"x" * 300_000, headers={"content-type": "application/json"}),
    dict(json={"query": "{" * 5000}),
    dict(json={"query": "{ me { id } }"}, headers={"Authorization": "Bearer \x01"}),
    dict(json={"query": "{ me { id } }"}, headers={"Authorization": "Basic Zm9vOmJhcg=="}),
    dict(json={"query": "{ me { id } }"}, headers={"Authorization": "Bearer " + "a" * 8000}),
]


@pytest.mark.parametrize("request_", MALFORMED, ids=lambda r: str(r)[:40])
def test_malformed_requests_are_refused_without_a_server_error(target, request_):
    loop, fuzz = target
    response = loop.run(fuzz.http.post("/graphql", **request_))
    assert response.status_code < 500, response.text
    assert "INTERNAL_SERVER_ERROR" not in response.text


@pytest.mark.parametrize("root", subscription_fields())
def test_a_subscription_over_plain_http_is_refused_not_a_server_error(target, root):
    loop, fuzz = target
    response = loop.run(fuzz.post(f"subscription {{ {root} {{ __typename }} }}", {},
                                  "SUPERVISOR"))
    assert response.status_code < 500
    assert "INTERNAL_SERVER_ERROR" not in response.text, response.text
