"""The pages the API serves from its own files: the wallboard, and GraphiQL where it is
on. No CDN: every script, style and font is in graphql_api/static, so both work offline."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).resolve().parent / "static"
# Only this origin: a page that tried to reach anywhere else would be stopped and show it.
CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' "
       "'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
       "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'")
_HEADERS = {"Content-Security-Policy": CSP, "Cache-Control": "no-cache",
            "X-Content-Type-Options": "nosniff"}

router = APIRouter()


def page(name: str) -> HTMLResponse:
    return HTMLResponse((STATIC / name / "index.html").read_text(encoding="utf-8"),
                        headers=_HEADERS)


@router.get("/wallboard", include_in_schema=False)
async def wallboard() -> HTMLResponse:
    return page("wallboard")


def mount_pages(app: FastAPI, *, graphiql: bool) -> None:
    """The wallboard always (it holds no data: it logs in like any client); GraphiQL's
    files only where GraphiQL is on."""
    app.include_router(router)
    app.mount("/static/wallboard", StaticFiles(directory=STATIC / "wallboard"),
              name="wallboard-files")
    if graphiql:
        app.mount("/static/graphiql", StaticFiles(directory=STATIC / "graphiql"),
                  name="graphiql-files")
