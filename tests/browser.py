"""Headless Chromium (Debian's package) driven by Playwright, for the pages the API serves.

Every request the page makes to anywhere but the server under test is refused and kept,
so a test proves the page needs no internet. Screenshots go to BROWSER_OUTPUT
(``.test-output/browser`` at the project root unless TEST_OUTPUT_DIR says where).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BROWSER_OUTPUT = Path(os.environ.get("TEST_OUTPUT_DIR", ROOT / ".test-output")) / "browser"


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def require_browser() -> str:
    """The Chromium binary, or the test is skipped saying why (never passed silently)."""
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        pytest.skip("browser tests skipped: the playwright package is not installed "
                    "(pip install -e '.[dev]')")
    found = chromium_path()
    if found is None:
        pytest.skip("browser tests skipped: no Chromium (apt-get install chromium; "
                    "scripts/test.sh installs it where it can)")
    return found


@dataclass
class Offline:
    """Requests to any origin but ``allowed``, refused (the route sees HTTP requests; the
    pages' websockets go to their own origin by construction)."""

    allowed: str
    refused: list[str] = field(default_factory=list)

    async def route(self, route) -> None:
        url = route.request.url
        if url.startswith(self.allowed):
            await route.continue_()
        else:
            self.refused.append(url)
            await route.abort("internetdisconnected")


@asynccontextmanager
async def browser_page(base_url: str) -> AsyncIterator[tuple[object, Offline]]:
    """(page, the refused requests) in a fresh 1920x1080 context."""
    from playwright.async_api import async_playwright

    executable = require_browser()
    offline = Offline(base_url)
    async with async_playwright() as driver:
        browser = await driver.chromium.launch(
            executable_path=executable, headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            # The pages' CSP forbids eval, which the driver's own waits use; requests to
            # elsewhere are refused by the route below instead.
            context = await browser.new_context(viewport={"width": 1920, "height": 1080},
                                                bypass_csp=True)
            await context.route("**/*", offline.route)
            page = await context.new_page()
            yield page, offline
        finally:
            await browser.close()


async def screenshot(page, name: str) -> Path:
    BROWSER_OUTPUT.mkdir(parents=True, exist_ok=True)
    path = BROWSER_OUTPUT / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path
