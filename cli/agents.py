"""`dialler agents …`: accounts for agents, supervisors, admins and integrations.

These commands need only the dialler's PostgreSQL and the password hasher, so they start
nothing else (see infrastructure.bootstrap_accounts).
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import NoReturn

import typer

from cli.common import configure_logs, console, escape, load_settings, run, say

app = typer.Typer(help="Agents and other accounts.", no_args_is_help=True)
_SHOWN_WITHOUT_PASSWORD = 20


@app.command("create")
def create(email: str = typer.Option(...), name: str = typer.Option(...),
           role: str = typer.Option("AGENT", help="AGENT, SUPERVISOR, ADMIN or INTEGRATION"),
           password: str = typer.Option(..., prompt=True, hide_input=True,
                                        confirmation_prompt=True)) -> None:
    """Create an account; the password is stored only as an argon2 hash."""
    from service_layer.agents import create_agent

    settings = load_settings(logs=False, plugins=False)  # see _with_accounts

    async def main(accounts) -> None:
        agent = await create_agent(accounts.uow(), accounts.hasher, policy=accounts.policy,
                                   email=email,
                                   password=password, name=name, role=role,
                                   at=accounts.clock())
        say(f"created {agent.role.value} {agent.name} <{agent.email}> id {agent.id}")

    _run_or_refuse(settings, main, "not created")


@app.command("create-automated")
def create_automated(name: str = typer.Option(..., help="What supervisors see it as"),
                     email: str = typer.Option(..., help="Its unique address (never logs in)"),
                     texts_per_hour: int | None = typer.Option(
                         None, help="Its cap on texts an hour (default: AI_TEXTS_PER_HOUR)"),
                     available: bool = typer.Option(
                         False, "--available", help="Start it at once (else OFFLINE until a "
                                                    "supervisor sets it AVAILABLE)")) -> None:
    """Create an automated (AI) agent: it texts its share of the UNSIGNED queue from the
    worker, through the same leases as people, and hands replies it cannot handle to them."""
    from service_layer.agents import create_automated_agent

    settings = load_settings(logs=False, plugins=False)  # see _with_accounts

    async def main(accounts) -> None:
        agent = await create_automated_agent(accounts.uow(), email=email, name=name,
                                             texts_per_hour=texts_per_hour,
                                             available=available, at=accounts.clock())
        say(f"created automated agent {agent.name} <{agent.email}> id {agent.id}, "
            f"{agent.status.value}")

    _run_or_refuse(settings, main, "not created")


@app.command("update")
def update(email: str = typer.Argument(..., help="The agent's e-mail"),
           role: str | None = typer.Option(None, help="AGENT, SUPERVISOR, ADMIN or INTEGRATION"),
           active: bool | None = typer.Option(None, "--active/--inactive",
                                              help="Enable, or disable, the account")) -> None:
    """Change an account's role, or enable or disable it, at once.

    Either way the agent's sessions end and their leads return to the queue: they log in
    again, as what they now are. Their live subscriptions close on every API process.
    """
    from service_layer.agent_admin import AgentChanges, update_agent

    settings = load_settings(logs=False, plugins=False)  # see _with_accounts

    async def main(accounts) -> None:
        async with _announcer(settings) as events:
            done = await update_agent(accounts.uow(), accounts.presence_store(), events,
                                      changes=AgentChanges(role=role, active=active),
                                      email=email, at=accounts.clock())
        agent = done.agent
        state = "active" if agent.is_active else "disabled"
        say(f"updated {agent.role.value} {agent.name} <{agent.email}>: {state}; "
            f"{done.sessions_ended} session(s) ended, "
            f"{done.leads_released} lead(s) returned to the queue")

    _run_or_refuse(settings, main, "not updated")


@app.command("import")
def import_command(file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, readable=True,
        help="CSV with a header row: email,name,role[,queue_types][,password]")) -> None:
    """Create or update many accounts from a CSV file: every row valid, or nothing written."""
    from infrastructure.security.common_passwords import password_policy
    from service_layer.agent_import import InvalidImport, import_agents, parse_agents_csv

    try:
        rows = parse_agents_csv(_read_text(file), password_policy())
    except InvalidImport as exc:
        _refuse(file, exc)
    settings = load_settings(logs=False, plugins=False)  # see _with_accounts

    async def main(accounts) -> None:
        from cli.common import progress_bar
        from service_layer.agent_import import progress_total

        async with _announcer(settings) as events:
            with progress_bar("importing agents", progress_total(rows)) as advance:
                report = await import_agents(accounts.uow, accounts.hasher,
                                             accounts.presence_store(), rows,
                                             at=accounts.clock(), progress=advance,
                                             events=events)
        _summarise(report)

    try:
        run(lambda: _with_accounts(settings, main))
    except InvalidImport as exc:
        _refuse(file, exc)


def _run_or_refuse(settings, main, refused: str) -> None:
    """Runs main with the account services; bad input is named, and the command exits 2."""
    from domain.agents.model import InvalidAgent

    try:
        run(lambda: _with_accounts(settings, main))
    except InvalidAgent as exc:
        console().print(f"[red]{refused}:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from None


async def _with_accounts(settings, main) -> None:
    """Run main with the account services, the schema checked first; closed after."""
    from cli.demo import ensure_account_schema
    from infrastructure.bootstrap_accounts import bootstrap_accounts

    if settings.embedded_postgres:
        # Only the embedded server logs here (as it starts or joins); on a configured
        # database nothing does, and structlog would cost a fifth of the command.
        configure_logs(settings)
    accounts = await bootstrap_accounts(settings)
    try:
        await ensure_account_schema(accounts)
        await main(accounts)
    finally:
        await accounts.close()


@asynccontextmanager
async def _announcer(settings):
    """The event bus to announce access changes on, or None on the embedded default (its
    Redis lives inside `serve`: the API processes' own sweeps close the sockets)."""
    if settings.redis_url is None:
        yield None
        return
    from infrastructure.redis.event_bus import RedisEventBus
    from infrastructure.redis.resilient import ResilientRedis, connect

    redis = ResilientRedis(connect(settings.redis_url))
    try:
        yield RedisEventBus(redis, settings.redis_key_prefix)
    finally:
        await redis.close()


def _read_text(file: Path) -> str:
    data = file.read_bytes()
    try:
        return data.decode("utf-8-sig")  # a spreadsheet's byte-order mark is not a column
    except UnicodeDecodeError as exc:
        console().print(f"[red]nothing imported:[/red] {escape(str(file))} is not UTF-8 text "
                        f"(byte {exc.start}: {data[exc.start:exc.start + 1]!r})")
        raise typer.Exit(2) from None


def _refuse(file: Path, exc) -> NoReturn:
    where = escape(str(file))
    for line, reason in exc.problems:  # the file's own text, never read as markup
        console().print(f"[red]{where}:{line}:[/red] {escape(reason)}")
    console().print(f"[red]nothing imported:[/red] {len(exc.problems)} problem(s) in {where}")
    raise typer.Exit(2)


def _summarise(report) -> None:
    say(f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}")
    missing = report.without_password
    if not missing:
        return
    shown = ", ".join(missing[:_SHOWN_WITHOUT_PASSWORD])
    if len(missing) > _SHOWN_WITHOUT_PASSWORD:
        shown += f" and {len(missing) - _SHOWN_WITHOUT_PASSWORD} more"
    console().print(f"[yellow]{len(missing)} agent(s) have no password and cannot log in until "
                    "one is set (give it in the password column and import again):[/yellow] "
                    f"{escape(shown)}")
