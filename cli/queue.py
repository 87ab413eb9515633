"""`dialler queue …` and `dialler scoring …`: the queues and their scores from the shell."""

from __future__ import annotations

import typer

from cli.common import console, load_settings, progress_bar, run
from cli.demo import ensure_queue_schema, ensure_schema

queue_app = typer.Typer(help="The three calling queues.", no_args_is_help=True)
scoring_app = typer.Typer(help="Scores and why.", no_args_is_help=True)


@queue_app.command("refresh")
def refresh() -> None:
    """Rebuild all three queues from the replica and the dialler's own data."""
    from infrastructure.bootstrap_queues import bootstrap_queues

    settings = load_settings()

    async def main() -> None:
        services = await bootstrap_queues(settings)
        try:
            await ensure_queue_schema(services)
            from infrastructure.runtime import settle_heap

            settle_heap()  # built objects outlive the pass: fewer full collections over them
            bounds = await services.queues.replica.id_bounds() or (1, 0)
            with progress_bar("rebuilding queues", max(bounds[1] - bounds[0] + 1, 0)) as step:
                report = await services.queues.rebuild(progress=step)
        finally:
            await services.close()
        console().print(f"{report.users} users read ({report.kept} unchanged, kept as they "
                        f"stand), {report.written} rows written, "
                        f"changes {report.by_kind or 'none'}")
        for reason, count in sorted(report.excluded.items()):
            console().print(f"  not queued: {reason}: {count}")

    run(main)


@scoring_app.command("learn")
def learn_command() -> None:
    """Learn from every call and text so far (the dialler's own and imported): each user's
    best hours, preferred channel and conversion rates, as a new snapshot made active when it
    is whole. One run at a time with the worker's nightly job and learnScores."""
    from infrastructure.bootstrap import bootstrap
    from service_layer.learning_on_demand import LearningRefused

    settings = load_settings()

    async def main() -> None:
        services = await bootstrap(settings)
        try:
            await ensure_schema(services)
            found = await services.learn_on_demand.run()
        finally:
            await services.close()
        if isinstance(found, LearningRefused):
            console().print(found.message)
            raise typer.Exit(1)
        console().print(f"snapshot {found.version} active: {found.users} users with history "
                        f"of their own, from {found.history_rows} calls and texts")

    run(main)


@scoring_app.command("add-shipped")
def add_shipped(name: str = typer.Argument("learned", help="the shipped rule set"),
                activate: bool = typer.Option(False, help="make it the active rule set")
                ) -> None:
    """Store a rule set the repository ships (``learned``: best hours, segment conversion,
    preferred channel, month-ends and bank holidays) as a new draft, or active."""
    from infrastructure.bootstrap import bootstrap
    from infrastructure.shipped_rule_sets import shipped_rule_set

    settings = load_settings()
    try:
        document = shipped_rule_set(name)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="NAME") from exc

    async def main() -> None:
        services = await bootstrap(settings)
        try:
            await ensure_schema(services)
            found = await services.rule_sets.create(name, document, None)
            if isinstance(found, list):
                for problem in found:
                    console().print(f"{problem.path}: {problem.message}")
                raise typer.Exit(1)
            if activate:
                found = await services.rule_sets.activate(found.id, services.clock())
                await services.queues.rebuild()
        finally:
            await services.close()
        console().print(f"rule set {found.name!r} stored as version {found.version} "
                        f"({found.status.value.lower()})")

    run(main)


@scoring_app.command("explain")
def explain_command(user_id: int = typer.Argument(..., min=1)) -> None:
    """Every factor of one user's score, the rule set, and what to chase."""
    from infrastructure.bootstrap import bootstrap
    from service_layer.explain import explain, match_factor

    settings = load_settings()

    async def main() -> None:
        services = await bootstrap(settings)
        try:
            await ensure_schema(services)
            found = await explain(services.queues, user_id, services.clock(),
                                  actions=services.sms.sms.actions)
            context = await _context(services, user_id) if found else None
            matched = await match_factor(services.leases, user_id, services.clock()) \
                if found else []
        finally:
            await services.close()
        if found is None:
            console().print(f"[red]no user {user_id} in the replica[/red]")
            raise typer.Exit(1)
        _print(found, context, matched)

    run(main)


async def _context(services, user_id: int):
    """Read now from the replica and the dialler (not the API's cache)."""
    from infrastructure.context_sources import DirectContextSources
    from service_layer.user_contexts import assemble_contexts

    sources = DirectContextSources(services.replica, services.uow)
    return (await assemble_contexts(sources, [user_id])).get(user_id)


def _print(found, context, matched: list[str]) -> None:
    from rich.table import Table

    from domain.scoring.explain import recommendations

    b = found.breakdown
    arm = f", experiment arm {found.experiment_arm}" if found.experiment_arm else ""
    queue = found.queue_type.value if found.queue_type else "no queue"
    console().print(f"user {found.user_id}: score [bold]{b.total:g}[/] in {queue} "
                    f"({found.placement_reason}); rule set v{found.rule_set_version}{arm}")
    table = Table("part", "points")
    for name in ("lender", "age", "time", "disposition", "adjustment", "learned"):
        table.add_row(name, f"{getattr(b, name):+g}")
    console().print(table)
    for line in [f.reason for f in b.factors] + matched:
        console().print(f"  - {line}")
    if found.channel_advice:
        console().print(f"  > {found.channel_advice}")
    if context:
        for line in recommendations(context.context, found.queue_type and found.queue_type.value):
            console().print(f"  > {line}")
