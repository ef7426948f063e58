"""``parley reconcile --account N``: remove what Chatwoot deleted, follow contact merges."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated

import typer
from parley_schema.db import create_engine, create_sessionmaker
from parley_schema.logging import configure
from parley_schema.settings import load_settings_or_exit
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.table import Table

from parley_ingest.backfill.cli import RichProgress
from parley_ingest.cli_errors import ending_cleanly
from parley_ingest.reconcile.service import ReconcileSummary, build_reconcile_service
from parley_ingest.settings import IngestSettings

app = typer.Typer(help="Remove from Parley what Chatwoot deleted; follow contact merges.")
console = Console(highlight=False)


async def run_reconcile(
    settings: IngestSettings, account_id: int, progress: Progress
) -> ReconcileSummary | None:
    engine = create_engine(settings, application_name="ingest-reconcile")
    try:
        async with build_reconcile_service(
            settings, create_sessionmaker(engine), RichProgress(progress)
        ) as reconcile:
            return await reconcile.run_once(account_id)
    finally:
        await engine.dispose()


def summary_table(summary: ReconcileSummary, seconds: float) -> Table:
    table = Table(title=f"reconcile account {summary.account_id}")
    table.add_column("what")
    table.add_column("count", justify="right")
    rows = [
        ("conversations listed in Chatwoot", summary.conversations_listed),
        ("contacts listed in Chatwoot", summary.contacts_listed),
        ("conversations re-pointed (merged contacts)", summary.repointed),
        *(
            (f"{name.replace('_', ' ')} removed", n)
            for name, n in summary.removed.as_dict().items()
        ),
    ]
    for name, value in rows:
        table.add_row(name, str(value))
    table.add_row("seconds", f"{seconds:.1f}")
    return table


@app.callback(invoke_without_command=True)
def reconcile(
    account: Annotated[int, typer.Option("--account", help="Chatwoot account id.", min=1)],
) -> None:
    """Compare one account with Chatwoot's REST API; nothing is deleted unless it is complete."""
    settings = load_settings_or_exit(IngestSettings)
    configure(settings, service="ingest-reconcile")
    started = time.monotonic()
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed}"))
    with (
        ending_cleanly(console, "reconcile failed, nothing deleted"),
        Progress(*columns, console=console, transient=False) as progress,
    ):
        summary = asyncio.run(run_reconcile(settings, account, progress))
    if summary is None:
        console.print("[bold red]reconcile skipped:[/] another run is under way")
        raise typer.Exit(1)
    console.print(summary_table(summary, time.monotonic() - started))
