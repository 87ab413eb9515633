"""`dialler serve`: the API (and, on the embedded default, everything it needs)."""

from __future__ import annotations

import typer
import uvicorn

from cli.common import console, load_settings, progress_bar, run
from cli.demo import DEMO_USERS, ensure_demo_replica, ensure_demo_supervisor, ensure_schema
from graphql_api.app import create_app
from infrastructure.bootstrap import bootstrap


def serve(host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
          port: int = typer.Option(8000, help="Port to listen on.")) -> None:
    """Run the API. With nothing configured, on the embedded default."""
    settings = load_settings()

    async def main() -> None:
        services = await bootstrap(settings)
        try:
            await ensure_schema(services)
            with progress_bar("demo replica", DEMO_USERS) as advance:
                seeded = await ensure_demo_replica(services, advance)
            login = await ensure_demo_supervisor(services)
            _announce(host, port, seeded, login)
            config = uvicorn.Config(create_app(services), host=host, port=port,
                                    log_config=None, access_log=False, lifespan="on")
            await uvicorn.Server(config).serve()
        finally:
            await services.close()

    run(main)


def _announce(host: str, port: int, seeded: int, login: tuple[str, str] | None) -> None:
    shown = "localhost" if host in ("0.0.0.0", "127.0.0.1", "::") else host
    console.print(f"[bold green]RMC Dialler[/] GraphiQL: http://{shown}:{port}/graphql")
    if seeded:
        console.print(f"demo replica filled with {seeded} synthetic users")
    if login:
        console.print(f"demo supervisor: email [bold]{login[0]}[/] password [bold]{login[1]}[/]")
