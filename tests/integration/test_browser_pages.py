"""The wallboard and GraphiQL in headless Chromium, against a real server, with every
request beyond that server refused (no internet): log in, see the figures, make a change
and see it on screen, survive the API going away, and go back to the login when the
token is refused. Screenshots land in tests/browser.py's BROWSER_OUTPUT."""

from __future__ import annotations

import dataclasses
import json
import time
import urllib.parse
import uuid
from datetime import timedelta

import pytest

from domain.agents.model import Role
from domain.agents.sessions import Principal
from graphql_api.app import create_app
from infrastructure.security.tokens import JwtTokenService
from service_layer.agents import LOGIN_FAILED_MESSAGE, create_agent
from tests.browser import browser_page, require_browser, screenshot
from tests.live_server import live_server
from tests.queue_env import NOW, queue_env
from tests.services import free_port

pytestmark = pytest.mark.integration
PASSWORD = "a long enough password"
SEEN = 10_000  # ms: long enough on a loaded machine; bench/bench_wallboard.py measures it


@pytest.fixture(scope="module")
async def env():
    require_browser()
    async with queue_env() as (services, rows, clock):
        clock.now = NOW
        yield services, rows, clock


async def _supervisor(services) -> str:
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    await create_agent(services.uow(), services.hasher, policy=services.password_policy,
                       email=email, password=PASSWORD, name="Sam Supervisor",
                       role="SUPERVISOR", at=NOW)
    return email


async def _unsigned(services, rows) -> int:
    user = await rows.user(signature=None, phone_number="07912 345123")
    await rows.claim(user)
    await services.queues.recompute([user], "browser test")
    return user


async def _size(page, queue: str) -> str:
    return await page.locator(f'[data-queue="{queue}"] .size').inner_text()


async def _log_in(page, email: str, password: str) -> None:
    await page.fill("#email", email)
    await page.fill("#password", password)
    await page.click("#login button")


async def test_the_wallboard_logs_in_shows_the_floor_and_moves_live(env):
    services, rows, _ = env
    email = await _supervisor(services)
    await _unsigned(services, rows)
    async with live_server(services) as address, browser_page(f"http://{address}") as (
            page, offline):
        await page.goto(f"http://{address}/wallboard")
        await _log_in(page, email, "not the password at all")
        await page.wait_for_function(
            "document.getElementById('login-message').textContent.length > 0")
        assert await page.inner_text("#login-message") == LOGIN_FAILED_MESSAGE  # the API's
        await _log_in(page, email, PASSWORD)
        await page.wait_for_selector('[data-queue="UNSIGNED"] .size', timeout=SEEN)
        await page.wait_for_selector(".connection.live", timeout=SEEN)
        before = int(await _size(page, "UNSIGNED"))
        assert before >= 1
        assert await page.inner_text("#calls") == "0"
        assert "Dead letters" in await page.inner_text("#sync")
        began = time.monotonic()
        await _unsigned(services, rows)  # a change: one more user waits for a signature
        await page.wait_for_function(
            f"document.querySelector('[data-queue=\"UNSIGNED\"] .size').textContent"
            f" === '{before + 1}'", timeout=SEEN)
        print(f"queue depth moved on screen {time.monotonic() - began:.3f} s after the change")
        await screenshot(page, "wallboard")
        assert offline.refused == []  # it asked nothing of the internet


async def test_the_wallboard_says_reconnecting_while_the_api_is_away_and_comes_back(env):
    services, rows, _ = env
    email = await _supervisor(services)
    port = free_port()
    async with browser_page(f"http://127.0.0.1:{port}") as (page, _):
        async with live_server(services, port=port) as address:
            await page.goto(f"http://{address}/wallboard")
            await _log_in(page, email, PASSWORD)
            await page.wait_for_selector(".connection.live", timeout=SEEN)
        # The server is gone: the page says so and shows no figure that may be stale.
        await page.wait_for_selector("body.stale #reconnecting", timeout=SEEN)
        assert not await page.locator('[data-queue="UNSIGNED"] .size').is_visible()
        await screenshot(page, "wallboard-reconnecting")
        await _unsigned(services, rows)  # moved while the board was away
        async with live_server(services, port=port):
            await page.wait_for_selector(".connection.live", timeout=3 * SEEN)
            await page.wait_for_function("!document.body.classList.contains('stale')",
                                         timeout=SEEN)
            assert await page.locator('[data-queue="UNSIGNED"] .size').is_visible()
            count = await services.pg.fetchval(
                "SELECT count(*) FROM queue_entries WHERE queue_type = 'UNSIGNED'")
            await page.wait_for_function(
                f"document.querySelector('[data-queue=\"UNSIGNED\"] .size').textContent"
                f" === '{count}'", timeout=SEEN)


async def test_an_expired_token_sends_the_wallboard_back_to_its_login(env):
    services, _, _ = env
    agent = await create_agent(services.uow(), services.hasher,
                               policy=services.password_policy,
                               email=f"{uuid.uuid4().hex[:8]}@example.com", password=PASSWORD,
                               name="Old Token", role="SUPERVISOR", at=NOW)
    stale = JwtTokenService(services.settings.jwt_secret.get_secret_value(),
                            timedelta(minutes=5), lambda: NOW - timedelta(days=2))
    token = stale.issue(Principal(agent.id, Role.SUPERVISOR)).token
    async with live_server(services) as address, browser_page(f"http://{address}") as (
            page, _):
        await page.goto(f"http://{address}/wallboard")
        await page.evaluate(f"sessionStorage.setItem('dialler.wallboard.token', '{token}')")
        await page.reload()
        await page.wait_for_selector("body.signed-out #login", timeout=SEEN)
        await page.wait_for_function(
            "document.getElementById('login-message').textContent.length > 0", timeout=SEEN)
        assert "log in again" in await page.inner_text("#login-message")


async def test_graphiql_works_offline_with_headers_and_subscriptions(env):
    services, rows, _ = env
    email = await _supervisor(services)
    varied = dataclasses.replace(
        services, settings=services.settings.model_copy(update={"graphiql": True}))
    async with live_server(services, app=create_app(varied)) as address, browser_page(
            f"http://{address}") as (page, offline):
        login = await page.request.post(f"http://{address}/graphql", data=json.dumps({
            "query": "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { "
                     "... on LoginSucceeded { token } } }",
            "variables": {"e": email, "p": PASSWORD}}),
            headers={"Content-Type": "application/json"})
        token = (await login.json())["data"]["login"]["token"]
        headers = json.dumps({"Authorization": f"Bearer {token}"})
        query = "{ me { name role } }"
        await page.goto(f"http://{address}/graphql?" + urllib.parse.urlencode(
            {"q": query, "headers": headers}, quote_via=urllib.parse.quote))
        await page.wait_for_selector(".graphiql-execute-button", timeout=SEEN)
        await page.click(".graphiql-execute-button")
        await page.wait_for_function(
            "document.querySelector('.result-window') && "
            "document.querySelector('.result-window').innerText.includes('Sam Supervisor')",
            timeout=SEEN)
        await screenshot(page, "graphiql")
        await page.goto(f"http://{address}/graphql?" + urllib.parse.urlencode(
            {"q": "subscription { queueUpdates { kind toQueue } }", "headers": headers},
            quote_via=urllib.parse.quote))
        await page.wait_for_selector(".graphiql-execute-button", timeout=SEEN)
        await page.click(".graphiql-execute-button")
        await page.wait_for_timeout(500)  # the subscription is started before the change
        await _unsigned(services, rows)
        await page.wait_for_function(
            "document.querySelector('.result-window').innerText.includes('UNSIGNED')",
            timeout=SEEN)
        await screenshot(page, "graphiql-subscription")
        assert offline.refused == []
