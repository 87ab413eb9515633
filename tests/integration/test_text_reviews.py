"""Opt-outs in words and the supervisors' review, through signed inbound webhooks and the
real (lazily trained) classifier."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from domain.messaging.opt_out import STOP_REPLY
from tests.integration.test_follow_ups import NEXT, follow_ups_of, sent_to
from tests.integration.test_sms import SEND, e164_of, module_fixtures, raw, sms_env, texting_user
from tests.integration.test_sms_inbound import inbound_rows, replies, text_us
from tests.queue_env import NOW, queue_of

pytestmark = pytest.mark.integration
OPT_OUTS = ["STOP", "Stop.", "stop please", "Please stop texting me", "opt out", "OPTOUT",
            "STOP STOP", "ＳＴＯＰ"]
# The real classifier's P(OPT_OUT) of it is middling (about 0.66): a person decides.
POSSIBLE_OPT_OUT = "stop calling me at work"
REVIEWS = ("query($f: Int!, $a: String) { textsToReview(first: $f, after: $a) { totalCount "
           "pageInfo { hasNextPage endCursor } edges { node { id userId receivedAt body "
           "intent confidence } } } }")
RESOLVE = ("mutation($i: ID!, $d: Intent!, $n: String) { resolveTextReview(id: $i, "
           "decision: $d, note: $n) { __typename ... on TextReviewResolved { id decision } "
           "... on TextReviewRejected { message } } }")


env, _reset = module_fixtures()  # this module's own dialler; the clock reset per test


async def refused_reason(env, user: int, token: str) -> str | None:
    sent = (await env.api(SEND, {"u": str(user), "b": "are you there?"}, token))["sendSms"]
    return sent.get("reason")


async def automated(env, user: int) -> object:
    return await env.services.sms.sms.send(user, "A reminder", automated=True)


@pytest.mark.parametrize("body", OPT_OUTS)
async def test_each_way_of_saying_stop_opts_out_at_once(env, body):
    user = await texting_user(env)
    _, token = await env.api.agent("SUPERVISOR")
    twiml = await text_us(env, await e164_of(env, user), body)
    assert replies(twiml) == 1 and "unsubscribed" in twiml
    assert await queue_of(env.services, user) is None
    assert await refused_reason(env, user, token) == "OPTED_OUT"
    (row,) = await inbound_rows(env, await e164_of(env, user))
    assert (row["intent"], row["intent_source"], row["intent_confidence"]) == (
        "OPT_OUT", "KEYWORD", 1.0)


async def test_an_opted_out_user_is_not_handed_out():
    async with sms_env() as here:
        user = await texting_user(here)
        _, token = await here.api.agent()
        await text_us(here, await e164_of(here, user), "Please stop texting me")
        lead = (await here.api(NEXT, {}, token))["nextLead"]
        assert lead["__typename"] == "NoLeadAvailable"


async def possible_opt_out(env) -> tuple[int, str, dict]:
    """A user whose text may be an opt-out, and its pending review as a supervisor sees it."""
    user = await texting_user(env)
    number = await e164_of(env, user)
    assert replies(await text_us(env, number, POSSIBLE_OPT_OUT)) == 0
    _, supervisor = await env.api.agent("SUPERVISOR")
    page = (await env.api(REVIEWS, {"f": 500}, supervisor))["textsToReview"]
    (node,) = [e["node"] for e in page["edges"] if e["node"]["userId"] == str(user)]
    return user, supervisor, node


async def test_a_possible_opt_out_is_reviewed_and_pauses_automated_texts(env):
    user, supervisor, node = await possible_opt_out(env)
    assert (node["body"], node["intent"]) == (POSSIBLE_OPT_OUT, "OPT_OUT")
    assert 0.3 <= node["confidence"] < 0.9
    assert await queue_of(env.services, user) == "UNSIGNED"  # not opted out
    assert await automated(env, user) == "UNDER_REVIEW"
    # A person texting them is in the loop: their text goes.
    assert await refused_reason(env, user, supervisor) is None


async def test_a_due_follow_up_skips_while_its_user_is_under_review(env):
    user = await texting_user(env, signed=True)
    await env.services.sms.follow_ups.schedule_review_request(user, NOW)
    assert replies(await text_us(env, await e164_of(env, user), POSSIBLE_OPT_OUT)) == 0
    env.clock.now = NOW + timedelta(days=1, hours=1)
    report = await env.services.sms.follow_ups.send_due()
    assert report.skipped.get("UNDER_REVIEW", 0) >= 1
    (row,) = await follow_ups_of(env.services, user)
    assert (row["status"], row["skip_reason"]) == ("SKIPPED", "UNDER_REVIEW")
    assert sent_to(env.http, await e164_of(env, user)) == []


async def test_the_review_list_is_for_supervisors_oldest_first(env):
    first, _, _ = await possible_opt_out(env)
    env.clock.now = NOW.replace(minute=5)
    second, supervisor, _ = await possible_opt_out(env)
    page = (await env.api(REVIEWS, {"f": 500}, supervisor))["textsToReview"]
    users = [e["node"]["userId"] for e in page["edges"]]
    assert users.index(str(first)) < users.index(str(second))
    assert page["totalCount"] == len(users) and not page["pageInfo"]["hasNextPage"]
    one = (await env.api(REVIEWS, {"f": 1}, supervisor))["textsToReview"]
    assert one["pageInfo"]["hasNextPage"]
    rest = (await env.api(REVIEWS, {"f": 500, "a": one["pageInfo"]["endCursor"]},
                          supervisor))["textsToReview"]
    assert [e["node"]["id"] for e in one["edges"] + rest["edges"]] == [
        e["node"]["id"] for e in page["edges"]]
    _, agent = await env.api.agent()
    refused = await raw(env, REVIEWS, {"f": 10}, agent)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_review_decided_as_an_opt_out_opts_out_confirms_once_and_is_audited(env):
    user, supervisor, node = await possible_opt_out(env)
    number = await e164_of(env, user)
    resolved = (await env.api(RESOLVE, {"i": node["id"], "d": "OPT_OUT", "n": "asked to"},
                              supervisor))["resolveTextReview"]
    assert resolved == {"__typename": "TextReviewResolved", "id": node["id"],
                        "decision": "OPT_OUT"}
    assert await queue_of(env.services, user) is None
    assert await env.services.pg.fetchval(
        "SELECT reason FROM do_not_call WHERE user_id = $1", user) == "SMS opt-out (STOP)"
    assert sent_to(env.http, number) == [STOP_REPLY]
    assert await refused_reason(env, user, supervisor) == "OPTED_OUT"
    again = (await env.api(RESOLVE, {"i": node["id"], "d": "OPT_OUT"},
                           supervisor))["resolveTextReview"]
    assert again["__typename"] == "TextReviewRejected"
    assert sent_to(env.http, number) == [STOP_REPLY]  # one confirmation, whatever happens
    await env.services.audit_writer.flush()
    assert await env.services.pg.fetchval(
        "SELECT count(*) FROM audit_log WHERE operation = 'resolveTextReview' AND "
        "kind = 'MUTATION' AND user_id = $1", user) == 1
    decided = await env.services.pg.fetchrow(
        "SELECT status, decision, decided_by, note FROM text_reviews WHERE id = $1",
        int(node["id"]))
    assert (decided["status"], decided["decision"], decided["note"]) == (
        "RESOLVED", "OPT_OUT", "asked to") and decided["decided_by"] is not None


async def test_another_decision_lifts_the_pause(env):
    user, supervisor, node = await possible_opt_out(env)
    resolved = (await env.api(RESOLVE, {"i": node["id"], "d": "COMPLAINT"},
                              supervisor))["resolveTextReview"]
    assert resolved["decision"] == "COMPLAINT"
    assert await queue_of(env.services, user) == "UNSIGNED"
    sent = await automated(env, user)
    assert sent.body == "A reminder"


async def test_unknown_reviews_are_rejected(env):
    _, supervisor = await env.api.agent("SUPERVISOR")
    unknown = (await env.api(RESOLVE, {"i": "987654321", "d": "OTHER"},
                             supervisor))["resolveTextReview"]
    assert unknown["__typename"] == "TextReviewRejected"
    bad = await raw(env, RESOLVE, {"i": "not-an-id", "d": "OTHER"}, supervisor)
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize("body", ["", "x" * 100_000, "\x00", "\ufffe\uffff",
                                  "\x00\x01\x02 binary \x7f\x80\xff"])
async def test_odd_bodies_are_stored_and_answered(env, body):
    number = f"+4479110{uuid.uuid4().int % 10**5:05d}"
    twiml = await text_us(env, number, body)
    assert replies(twiml) == 0
    (row,) = await inbound_rows(env, number)
    assert row["direction"] == "INBOUND" and "\x00" not in row["body"]
