"""`dialler history …`: calls and texts from a previous system."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.common import console, load_settings, progress_bar, run
from cli.demo import ensure_queue_schema

app = typer.Typer(help="Call and text history from a previous system.", no_args_is_help=True)


@app.command("import")
def import_command(file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                               readable=True)) -> None:
    """Load FILE.csv (contracts/call_history.md): bad rows are named and skipped; a row
    imported before (its external_id) changes nothing."""
    from infrastructure.bootstrap_queues import bootstrap_queues
    from service_layer.import_files import InvalidImport

    settings = load_settings()
    text = file.read_text(encoding="utf-8-sig")

    async def main() -> None:
        services = await bootstrap_queues(settings, spread=False)
        try:
            await ensure_queue_schema(services)
            rows = max(text.count("\n") - 1, 0)
            with progress_bar("importing history", rows) as step:
                report = await services.history.run(text, step)
        except InvalidImport as exc:
            for line, reason in exc.problems:
                console().print(f"[red]line {line}:[/red] {reason}")
            raise typer.Exit(2) from None
        finally:
            await services.close()
        console().print(f"{report.loaded} rows loaded, {report.already} imported before, "
                        f"{report.users} users' call history moved, "
                        f"{len(report.problems)} rows refused")
        for line, reason in report.problems[:200]:
            console().print(f"  line {line}: {reason}")
        if len(report.problems) > 200:
            console().print(f"  … and {len(report.problems) - 200} more")

    run(main)
