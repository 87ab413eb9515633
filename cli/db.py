"""`dialler db …`: migrations and synthetic replica data."""

from __future__ import annotations

import typer

from cli.common import console, load_settings, progress_bar, run

app = typer.Typer(help="The dialler database and the replica's synthetic data.",
                  no_args_is_help=True)


@app.command("migrate")
def migrate_command(to: str = typer.Option(
        "head", "--to", help="head (the default), a revision id (older: rolled back to it), "
                             "or -1 for one revision back")) -> None:
    """Apply the dialler database's migrations, or roll them back (safe to run from several
    processes: one at a time)."""
    from infrastructure.postgres.engine import make_engine
    from infrastructure.postgres.migrate import (
        current_revision,
        is_backwards,
        migrate,
        roll_back,
    )
    from infrastructure.runtime import resolve_runtime

    settings = load_settings()

    async def main() -> None:
        runtime = await resolve_runtime(settings)
        engine = make_engine(runtime.database, pool_size=1)
        try:
            backwards = is_backwards(to, await current_revision(engine))
            revision = await (roll_back(engine, to) if backwards else migrate(engine, to))
        except Exception as exc:  # noqa: BLE001 - alembic names a bad revision in its text
            if "revision" not in str(exc).lower():
                raise
            console().print(f"cannot migrate to {to!r}: {exc}")
            raise typer.Exit(2) from exc
        finally:
            await engine.dispose()
            await runtime.close()
        console().print(f"dialler database at revision {revision or 'base (empty)'}")

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
