"""``parley retention run [--dry-run] [--account N]``: apply (or preview) the retention windows."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from parley_schema.db import create_engine, create_sessionmaker
from parley_schema.logging import configure
from parley_schema.settings import load_settings_or_exit
from rich.console import Console
from rich.table import Table

from parley_ingest.cli_errors import ending_cleanly
from parley_ingest.retention.service import RetentionReport, RetentionService
from parley_ingest.settings import IngestSettings

app = typer.Typer(help="Delete messages older than their account's retention window.")
console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


@app.callback()
def retention() -> None:
    """Messages older than PARLEY_RETENTION_DAYS (or an account's own window) are deleted."""


async def run_retention(
    settings: IngestSettings, *, dry_run: bool, account_id: int | None
) -> RetentionReport | None:
    engine = create_engine(settings, application_name="ingest-retention")
    try:
        service = RetentionService(settings=settings, sessionmaker=create_sessionmaker(engine))
        return await service.run_once(dry_run=dry_run, account_id=account_id)
    finally:
        await engine.dispose()


def report_table(report: RetentionReport) -> Table:
    verb = "would delete" if report.dry_run else "deleted"
    table = Table(
        title=f"retention ({'dry run: nothing deleted' if report.dry_run else 'applied'})"
    )
    for column in ("account", "days", "older than", f"messages {verb}", f"conversations {verb}"):
        table.add_column(column, justify="left" if column == "older than" else "right")
    if not report.dry_run:
        table.add_column("chunks deleted", justify="right")
    for account in report.accounts:
        window, removed = account.window, account.removed
        row = [
            str(window.account_id),
            str(window.days),
            window.cutoff.isoformat(timespec="seconds"),
            str(removed.messages),
            str(removed.conversations),
        ]
        table.add_row(*row, *([] if report.dry_run else [str(removed.chunks)]))
    return table


@app.command("run")
def run(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only count what would be deleted.")
    ] = False,
    account: Annotated[
        int | None, typer.Option("--account", help="Only this Chatwoot account.", min=1)
    ] = None,
) -> None:
    """Apply every account's window now (PARLEY_RETENTION_DAYS or the admin's override)."""
    settings = load_settings_or_exit(IngestSettings)
    configure(settings, service="ingest-retention")
    with ending_cleanly(err_console):
        report = asyncio.run(run_retention(settings, dry_run=dry_run, account_id=account))
    if report is None:
        err_console.print("[bold red]error:[/] a retention run is already under way elsewhere")
        raise typer.Exit(1)
    if not report.accounts:
        console.print("no account has a retention window (PARLEY_RETENTION_DAYS is unset)")
        return
    console.print(report_table(report))
