"""`dialler db …`: migrations and synthetic replica data."""

from __future__ import annotations

import typer

from cli.common import console, load_settings, progress_bar, run

app = typer.Typer(help="The dialler database and the replica's synthetic data.",
                  no_args_is_help=True)


@app.command("migrate")
def migrate_command() -> None:
    """Apply the dialler database's migrations (safe to run from several processes)."""
    from infrastructure.postgres.engine import make_engine
    from infrastructure.postgres.migrate import migrate
    from infrastructure.runtime import resolve_runtime

    settings = load_settings()

    async def main() -> None:
        runtime = await resolve_runtime(settings)
        engine = make_engine(runtime.database, pool_size=1)
        try:
            revision = await migrate(engine)
        finally:
            await engine.dispose()
            await runtime.close()
        console().print(f"dialler database at revision {revision}")

    run(main)


@app.command("seed")
def seed_command(users: int = typer.Option(..., min=1, max=5_000_000, help="Users to add."),
                 seed: int = typer.Option(1, help="Same seed, same data.")) -> None:
    """Create the replica tables if missing and add realistic synthetic users."""
    from infrastructure.replica.database import ReplicaDatabase
    from infrastructure.replica.seed import seed_replica
    from infrastructure.runtime import resolve_runtime

    settings = load_settings()

    async def main() -> None:
        runtime = await resolve_runtime(settings)
        db = await ReplicaDatabase.open(runtime.replica, read_only=False)
        try:
            with progress_bar("seeding users", users) as advance:
                summary = await seed_replica(db, users, seed=seed, progress=advance)
        finally:
            await db.close()
            await runtime.close()
        console().print(f"seeded {summary}")

    run(main)
