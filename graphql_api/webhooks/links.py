"""GET /l/{token}: the link a user taps. Counts the click, then sends them to the main app."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from domain.links.model import Invalidity
from infrastructure.bootstrap import Services

router = APIRouter()

# The token travels in the URL: no caching, no referrer, no indexing.
_PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
            "X-Robots-Tag": "noindex"}
_PAGES = {
    Invalidity.USED: (410, "This link has already been used",
                      "Each link works once. If you still need to sign or upload something, "
                      "reply to our message or call us and we will send you a new link."),
    Invalidity.EXPIRED: (410, "This link has expired",
                         "Links work for a limited time. Reply to our message or call us and "
                         "we will send you a new one."),
    Invalidity.UNKNOWN: (404, "This link is not valid",
                         "Please check that you opened the whole link from our message, or "
                         "call us and we will send you a new one."),
}


@router.get("/l/{token}", include_in_schema=False)
async def follow_link(token: str, request: Request) -> Response:
    services: Services = request.app.state.services
    result = await services.magic_links.follow(token)
    if isinstance(result, Invalidity):
        status, title, text = _PAGES[result]
        return HTMLResponse(_page(title, text), status_code=status, headers=_PRIVATE)
    return RedirectResponse(result, status_code=303, headers=_PRIVATE)


def _page(title: str, text: str) -> str:
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{escape(title)}</title></head><body style=\"font-family:sans-serif;"
            f"max-width:32rem;margin:3rem auto;padding:0 1rem\"><h1>{escape(title)}</h1>"
            f"<p>{escape(text)}</p><p>RMC Claims</p></body></html>")
