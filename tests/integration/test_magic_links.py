"""Magic links end to end: send (e-mail), click, redeem once, list, refuse, rate-limit, purge."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import timedelta

import httpx
import pytest

from domain.agents.sessions import Principal
from domain.links import tokens
from domain.links.model import Channel, Invalidity, Purpose
from graphql_api.app import create_app
from service_layer.agents import create_agent
from service_layer.magic_links import LinkIssued
from tests.contracts import OPERATIONS
from tests.queue_env import NOW, queue_env

pytestmark = pytest.mark.integration
_CONTRACT = (OPERATIONS / "communications.graphql").read_text().split("\n\n")
SEND, LIST, REDEEM = (next(b for b in _CONTRACT if f" {name}(" in b)
                      for name in ("SendMagicLink", "MagicLinks", "RedeemMagicLink"))
LINK_RE = re.compile(r"http://links\.test/l/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")


class Env:
    def __init__(self, services, rows, clock):
        self.services, self.rows, self.clock = services, rows, clock
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(services)),
                                      base_url="http://t")
        self.tokens: dict[str, str] = {}

    async def token(self, role: str) -> str:
        if role not in self.tokens:
            agent = await create_agent(self.services.uow(), self.services.hasher,
                                       policy=self.services.password_policy,
                                       email=f"{uuid.uuid4().hex[:8]}@example.com",
                                       password="long enough password", name=role, role=role,
                                       at=NOW)
            self.tokens[role] = self.services.tokens.issue(Principal(agent.id, agent.role)).token
        return self.tokens[role]

    # A supervisor by default: an agent sends and lists links only of users they work on
    # (tests/integration/test_access.py).
    async def gql(self, query: str, variables: dict, role: str | None = "SUPERVISOR") -> dict:
        headers = {"Authorization": f"Bearer {await self.token(role)}"} if role else {}
        response = await self.http.post("/graphql", json={"query": query, "variables": variables},
                                        headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    async def send(self, user_id: int, purpose="SIGN", channel="EMAIL") -> dict:
        body = await self.gql(SEND, {"userId": str(user_id), "purpose": purpose,
                                     "channel": channel})
        assert "errors" not in body, body
        return body["data"]["sendMagicLink"]

    async def redeem(self, token: str) -> dict:
        body = await self.gql(REDEEM, {"token": token}, "INTEGRATION")
        assert "errors" not in body, body
        return body["data"]["redeemMagicLink"]

    def last_emailed_token(self) -> str:
        return LINK_RE.search(self.services.magic_links.email.recorded[-1].body).group(1)

    async def rows_for(self, user_id: int) -> list:
        async with self.services.pg.acquire() as conn:
            return await conn.fetch("SELECT * FROM magic_links WHERE user_id = $1", user_id)


@pytest.fixture(scope="module")
async def env():
    # The module's links go within a real minute while its clock stands still: the API's
    # limits (tests/integration/test_rate_limits.py) are widened, so the one under test
    # here is the per-user hour limit the links themselves keep.
    wide = {f"rate_links_per_{who}_per_{span}": 10_000
            for who in ("agent", "user") for span in ("minute", "day")}
    async with queue_env(link_base_url="http://links.test",
                         main_app_url="https://app.example/", **wide) as (services, rows, clock):
        built = Env(services, rows, clock)
        yield built
        await built.http.aclose()


@pytest.fixture(autouse=True)
def _restore_clock(env):
    yield
    env.clock.now = NOW


async def _emailed_link(env, purpose="SIGN") -> tuple[int, str]:
    user = await env.rows.user(email=f"u{uuid.uuid4().hex[:6]}@example.com")
    sent = await env.send(user, purpose)
    assert sent["__typename"] == "MagicLinkSent", sent
    return user, env.last_emailed_token()


async def test_an_emailed_link_is_recorded_and_only_its_hash_is_stored(env):
    user = await env.rows.user(email="amelia.h@example.com")
    sent = await env.send(user, "UPLOAD_DOCUMENTS")
    assert sent["__typename"] == "MagicLinkSent"
    link = sent["link"]
    assert (link["purpose"], link["channel"]) == ("UPLOAD_DOCUMENTS", "EMAIL")
    assert link["expiresAt"] == (NOW + timedelta(hours=24)).isoformat()
    mail = env.services.magic_links.email.recorded[-1]
    assert mail.to == "amelia.h@example.com" and "Upload" in mail.subject
    token = env.last_emailed_token()
    assert tokens.is_authentic(env.services.magic_links._key, token)
    [row] = await env.rows_for(user)
    assert str(row["id"]) == link["id"]
    assert row["token_hash"] == tokens.token_hash(token)
    assert row["sent_to"] == "a***@example.com" and row["delivery_ref"].startswith("recorded-")
    async with env.services.pg.acquire() as conn:
        whole_table = await conn.fetchval("SELECT string_agg(t::text, '|') FROM magic_links t")
    assert token not in whole_table and token.split(".")[0] not in whole_table


async def test_a_click_is_counted_and_redirects_into_the_main_app(env):
    user, token = await _emailed_link(env, "SIGN")
    response = await env.http.get(f"/l/{token}")
    assert response.status_code == 303
    assert response.headers["location"] == f"https://app.example/sign?token={token}"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    env.clock.now = NOW + timedelta(minutes=5)
    assert (await env.http.get(f"/l/{token}")).status_code == 303
    [row] = await env.rows_for(user)
    assert (row["click_count"], row["clicked_at"], row["last_clicked_at"]) == (
        2, NOW, NOW + timedelta(minutes=5))
    assert row["used_at"] is None  # clicking is not redeeming


async def test_a_link_is_redeemed_once_then_refused_with_a_clear_page(env):
    user, token = await _emailed_link(env, "VIEW_CLAIM")
    redeemed = await env.redeem(token)
    assert redeemed == {"__typename": "MagicLinkRedeemed", "userId": str(user),
                        "purpose": "VIEW_CLAIM"}
    assert await env.redeem(token) == {"__typename": "MagicLinkInvalid", "reason": "USED"}
    page = await env.http.get(f"/l/{token}")
    assert page.status_code == 410 and "location" not in page.headers
    assert "already been used" in page.text and page.headers["content-type"].startswith(
        "text/html")
    [row] = await env.rows_for(user)
    assert row["used_at"] == NOW and row["click_count"] == 1


async def test_an_expired_link_is_refused(env):
    user, token = await _emailed_link(env)
    env.clock.now = NOW + timedelta(hours=23, minutes=59)
    assert (await env.http.get(f"/l/{token}")).status_code == 303  # still in time
    env.clock.now = NOW + timedelta(hours=24)
    page = await env.http.get(f"/l/{token}")
    assert page.status_code == 410 and "expired" in page.text and "location" not in page.headers
    assert await env.redeem(token) == {"__typename": "MagicLinkInvalid", "reason": "EXPIRED"}
    [row] = await env.rows_for(user)
    assert row["used_at"] is None


async def test_tampered_tokens_are_refused_before_any_lookup_and_unknown_ones_after(env):
    _, token = await _emailed_link(env)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    counter = env.services.pg_statements
    before = counter.count
    assert await env.services.magic_links.redeem(tampered) is Invalidity.UNKNOWN
    assert await env.services.magic_links.follow(tampered) is Invalidity.UNKNOWN
    assert counter.count == before  # refused on the signature alone: no database statement
    assert await env.redeem(tampered) == {"__typename": "MagicLinkInvalid", "reason": "UNKNOWN"}
    never_stored = tokens.mint(env.services.magic_links._key)  # signed right, never issued
    assert await env.redeem(never_stored) == {"__typename": "MagicLinkInvalid",
                                              "reason": "UNKNOWN"}
    assert counter.count > before
    for bad in (tampered, never_stored, "garbage", "x" * 300):
        page = await env.http.get(f"/l/{bad}")
        assert page.status_code == 404 and "not valid" in page.text
    assert await env.redeem("y" * 5000) == {"__typename": "MagicLinkInvalid",
                                            "reason": "UNKNOWN"}
    # The genuine token was untouched by all of this.
    assert (await env.redeem(token))["__typename"] == "MagicLinkRedeemed"


async def test_concurrent_redemptions_give_exactly_one_success(env):
    for _ in range(3):
        _, token = await _emailed_link(env)
        results = await asyncio.gather(*(env.redeem(token) for _ in range(6)))
        kinds = sorted(r["__typename"] for r in results)
        assert kinds == ["MagicLinkInvalid"] * 5 + ["MagicLinkRedeemed"]
        assert {r.get("reason") for r in results} == {None, "USED"}


async def test_who_may_do_what(env):
    user, token = await _emailed_link(env)
    variables = {"userId": str(user), "purpose": "SIGN", "channel": "EMAIL"}
    for query, args, roles in ((REDEEM, {"token": token}, ("AGENT", "SUPERVISOR", "ADMIN")),
                               (SEND, variables, ("INTEGRATION",)),
                               (LIST, {"userId": str(user)}, ("INTEGRATION",))):
        for role in roles:
            body = await env.gql(query, args, role)
            assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", (role, body)
            assert body["data"] is None
        body = await env.gql(query, args, None)
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    [row] = await env.rows_for(user)
    assert row["used_at"] is None  # the refused redeems changed nothing
    for role in ("SUPERVISOR", "ADMIN"):
        body = await env.gql(LIST, {"userId": str(user)}, role)
        assert len(body["data"]["magicLinks"]) == 1
    refused = await env.gql(LIST, {"userId": str(user)}, "AGENT")  # works on nobody
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN" and refused["data"] is None


async def test_the_list_shows_sent_clicked_and_used(env):
    user = await env.rows.user(email="list@example.com")
    await env.send(user, "SIGN")
    first = env.last_emailed_token()
    env.clock.now = NOW + timedelta(minutes=1)
    await env.send(user, "UPLOAD_DOCUMENTS")
    second = env.last_emailed_token()
    env.clock.now = NOW + timedelta(minutes=2)
    await env.http.get(f"/l/{first}")
    env.clock.now = NOW + timedelta(minutes=3)
    await env.redeem(first)
    listed = (await env.gql(LIST, {"userId": str(user)}))["data"]["magicLinks"]
    assert [link["purpose"] for link in listed] == ["UPLOAD_DOCUMENTS", "SIGN"]  # newest first
    newest, oldest = listed
    assert newest["clickedAt"] is None and newest["usedAt"] is None
    assert oldest["clickedAt"] == (NOW + timedelta(minutes=2)).isoformat()
    assert oldest["usedAt"] == (NOW + timedelta(minutes=3)).isoformat()
    assert oldest["sentAt"] == NOW.isoformat() and newest["channel"] == "EMAIL"
    assert second != first
    bad = await env.gql(LIST, {"userId": "abc"})
    assert bad["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "userId"}


async def _rejection(env, user_id: int, channel: str) -> str:
    result = await env.send(user_id, "SIGN", channel)
    assert result["__typename"] == "MagicLinkRejected", result
    assert not await env.rows_for(user_id)  # nothing kept for a refused send
    return result["reason"]


async def test_refusals_name_the_reason_and_keep_nothing(env):
    before = len(env.services.magic_links.email.recorded)
    assert await _rejection(env, 999_999_999_999, "EMAIL") == "NO_SUCH_USER"
    for email in (None, "", "not-an-address"):
        assert await _rejection(env, await env.rows.user(email=email), "EMAIL") == "NO_EMAIL"
    assert await _rejection(env, await env.rows.user(phone_number="12345"), "SMS") == \
        "UNDIALABLE"
    on_dnc = await env.rows.user(email="dnc@example.com", phone_number="07911 123457")
    async with env.services.pg.acquire() as conn:
        await conn.execute("INSERT INTO do_not_call (user_id, reason) VALUES ($1, 'asked')",
                           on_dnc)
    assert await _rejection(env, on_dnc, "EMAIL") == "OPTED_OUT"
    assert await _rejection(env, on_dnc, "SMS") == "OPTED_OUT"
    assert len(env.services.magic_links.email.recorded) == before


async def test_a_number_that_texted_stop_gets_no_sms_link_but_may_get_an_email(env):
    user = await env.rows.user(email="stopped@example.com", phone_number="07911 123458")
    async with env.services.pg.acquire() as conn:
        await conn.execute("INSERT INTO sms_opt_outs (e164, user_id, keyword) "
                           "VALUES ('+447911123458', NULL, 'STOP')")
    assert await _rejection(env, user, "SMS") == "OPTED_OUT"
    assert (await env.send(user, "SIGN", "EMAIL"))["__typename"] == "MagicLinkSent"


async def test_at_most_three_links_per_user_an_hour_even_when_sent_at_once(env):
    user = await env.rows.user(email="busy@example.com")
    results = await asyncio.gather(*(env.send(user) for _ in range(6)))
    assert sorted(r["__typename"] for r in results) == ["MagicLinkRejected"] * 3 + \
        ["MagicLinkSent"] * 3
    assert {r.get("reason") for r in results} == {None, "RATE_LIMITED"}
    assert len(await env.rows_for(user)) == 3
    env.clock.now = NOW + timedelta(minutes=59)
    assert (await env.send(user))["reason"] == "RATE_LIMITED"
    env.clock.now = NOW + timedelta(hours=1, seconds=1)
    assert (await env.send(user))["__typename"] == "MagicLinkSent"


async def test_a_link_for_another_messages_own_delivery_is_issued_but_not_sent(env):
    user = await env.rows.user(email="followup@example.com")
    before = len(env.services.magic_links.email.recorded)
    issued = await env.services.magic_links.issue_magic_link(user, Purpose.SIGN, Channel.SMS,
                                                             deliver=False)
    assert isinstance(issued, LinkIssued)
    assert len(env.services.magic_links.email.recorded) == before
    token = issued.url.rsplit("/", 1)[1]
    assert (await env.http.get(f"/l/{token}")).status_code == 303
    [row] = await env.rows_for(user)
    assert row["sent_by"] is None and row["channel"] == "SMS"


async def test_purge_deletes_only_links_long_expired(env):
    old_user = await env.rows.user(email="old@example.com")
    env.clock.now = NOW - timedelta(days=32)
    await env.send(old_user)
    env.clock.now = NOW - timedelta(days=29)
    await env.send(old_user)
    env.clock.now = NOW
    purged = await env.services.magic_links.purge_expired_links(NOW)
    assert purged >= 1
    [kept] = await env.rows_for(old_user)
    assert kept["sent_at"] == NOW - timedelta(days=29)
    assert await env.services.magic_links.purge_expired_links(NOW) == 0
