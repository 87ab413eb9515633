"""`dialler agents …`: accounts for agents, supervisors, admins and integrations."""

from __future__ import annotations

import typer

from cli.common import console, load_settings, run
from cli.demo import ensure_schema
from domain.agents.model import InvalidAgent
from infrastructure.bootstrap import bootstrap
from service_layer.agents import create_agent

app = typer.Typer(help="Agents and other accounts.", no_args_is_help=True)


@app.command("create")
def create(email: str = typer.Option(...), name: str = typer.Option(...),
           role: str = typer.Option("AGENT", help="AGENT, SUPERVISOR, ADMIN or INTEGRATION"),
           password: str = typer.Option(..., prompt=True, hide_input=True,
                                        confirmation_prompt=True)) -> None:
    """Create an account; the password is stored only as an argon2 hash."""
    settings = load_settings()

    async def main() -> None:
        services = await bootstrap(settings)
        try:
            await ensure_schema(services)
            agent = await create_agent(services.uow(), services.hasher, email=email,
                                       password=password, name=name, role=role,
                                       at=services.clock())
        finally:
            await services.close()
        console.print(f"created {agent.role.value} {agent.name} <{agent.email}> id {agent.id}")

    try:
        run(main)
    except InvalidAgent as exc:
        console.print(f"[red]not created:[/red] {exc}")
        raise typer.Exit(2) from None
