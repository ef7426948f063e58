"""``parley backfill --account N [--since DATE] [--inbox ID]``."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated

import typer
from parley_schema.db import create_engine, create_sessionmaker
from parley_schema.logging import configure
from parley_schema.settings import load_settings_or_exit
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from parley_ingest.backfill.client import configured_client
from parley_ingest.backfill.errors import BackfillNotConfigured
from parley_ingest.backfill.service import (
    BackfillProgress,
    BackfillRequest,
    BackfillService,
    BackfillSummary,
)
from parley_ingest.cli_errors import ending_cleanly
from parley_ingest.contact_labels.service import ContactLabelSync
from parley_ingest.normalization.service import build_ingestion
from parley_ingest.settings import IngestSettings

app = typer.Typer(help="Read a Chatwoot account through its REST API into Parley.")
console = Console(highlight=False)


class RichProgress:
    """The backfill's progress as rich bars, one per phase."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[str, TaskID] = {}

    def start(self, phase: str, total: int | None) -> None:
        self._tasks[phase] = self._progress.add_task(phase, total=total)

    def advance(self, phase: str, count: int) -> None:
        self._progress.advance(self._tasks[phase], count)


@asynccontextmanager
async def build_backfill_service(
    settings: IngestSettings, progress: BackfillProgress
) -> AsyncIterator[BackfillService]:
    """The backfill with its Chatwoot client and database, open for the block."""
    if settings.chatwoot_base_url is None or settings.chatwoot_api_token is None:
        raise BackfillNotConfigured(
            "set PARLEY_CHATWOOT_BASE_URL and PARLEY_CHATWOOT_API_TOKEN to backfill"
        )
    engine = create_engine(settings, application_name="ingest-backfill")
    try:
        async with configured_client(
            settings, not_configured=BackfillNotConfigured, purpose="backfill"
        ) as client:
            sessionmaker = create_sessionmaker(engine)
            yield BackfillService(
                settings=settings,
                client=client,
                labels=ContactLabelSync(
                    settings=settings, client=client, sessionmaker=sessionmaker
                ),
                sessionmaker=sessionmaker,
                progress=progress,
                ingestion=build_ingestion(settings),
            )
    finally:
        await engine.dispose()


async def run_backfill(
    settings: IngestSettings, request: BackfillRequest, progress: Progress
) -> BackfillSummary:
    async with build_backfill_service(settings, RichProgress(progress)) as backfill:
        return await backfill.run(request)


def summary_table(summary: BackfillSummary, seconds: float) -> Table:
    table = Table(title=f"backfill job {summary.job_run_id}")
    table.add_column("what")
    table.add_column("count", justify="right")
    since = summary.since.isoformat() if summary.since else "everything"
    rows = [
        ("since", since),
        ("resumed an unfinished run", "yes" if summary.resumed else "no"),
        ("contacts", str(summary.contacts)),
        ("conversations", str(summary.conversations)),
        ("messages", str(summary.messages)),
        ("events written (changed rows)", str(summary.events_written)),
        ("skipped (invalid objects)", str(summary.skipped)),
        ("contacts whose labels were read", str(summary.contact_labels)),
        ("seconds", f"{seconds:.1f}"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    return table


@app.callback(invoke_without_command=True)
def backfill(
    account: Annotated[int, typer.Option("--account", help="Chatwoot account id.", min=1)],
    since: Annotated[
        datetime | None,
        typer.Option(
            "--since",
            help="Only conversations active since (YYYY-MM-DD).",
            formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"],
        ),
    ] = None,
    inbox: Annotated[int | None, typer.Option("--inbox", help="Only this inbox.", min=1)] = None,
) -> None:
    """Backfill (or catch up) one account; resumes an interrupted run."""
    settings = load_settings_or_exit(IngestSettings)
    configure(settings, service="ingest-backfill")
    request = BackfillRequest(
        account_id=account,
        since=since.replace(tzinfo=UTC) if since and since.tzinfo is None else since,
        inbox_id=inbox,
    )
    started = time.monotonic()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with (
        ending_cleanly(console, "backfill failed"),
        Progress(*columns, console=console, transient=False) as progress,
    ):
        summary = asyncio.run(run_backfill(settings, request, progress))
    console.print(summary_table(summary, time.monotonic() - started))
