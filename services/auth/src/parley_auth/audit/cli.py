"""``parley audit tail``: the API request trail in the terminal, following new rows.

Reads ``api_requests`` directly with the auth settings' database (as ``parley auth …`` does),
one short transaction per poll, so rows committed meanwhile appear on the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated

import typer
from parley_schema.db import create_engine, create_sessionmaker
from parley_schema.logging import configure
from parley_schema.models import ApiRequest
from parley_schema.settings import load_settings_or_exit
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from parley_auth.audit.repository import audit_repository
from parley_auth.settings import AuthSettings

POLL_BATCH = 500
app = typer.Typer(
    help="The audit trail of API requests (search-api and auth).", no_args_is_help=True
)
console = Console(highlight=False, soft_wrap=True)


def line(row: ApiRequest) -> str:
    """One row: time, service, method, endpoint, status, latency, caller, correlation id."""
    caller = " ".join(
        f"{name}={value}"
        for name, value in (
            ("user", row.user_id),
            ("project", row.project_id),
            ("token", row.token_id),
        )
        if value is not None
    )
    parts = [
        row.at.isoformat(timespec="milliseconds"),
        row.service,
        row.method,
        row.endpoint,
        str(row.status),
        f"{row.latency_ms:.1f}ms",
        caller or "anonymous",
        f"cid={row.correlation_id}",
    ]
    return "  ".join(parts)


async def _tail(
    sessionmaker: async_sessionmaker[AsyncSession], *, lines: int, follow: bool, interval: float
) -> None:
    async with sessionmaker() as session:
        rows = await audit_repository.latest(session, lines)
    last_id = rows[-1].id if rows else 0
    for row in rows:
        console.print(line(row), markup=False)
    while follow:
        await asyncio.sleep(interval)
        async with sessionmaker() as session:
            rows = await audit_repository.after(session, last_id, POLL_BATCH)
        for row in rows:
            console.print(line(row), markup=False)
            last_id = row.id


@app.command("tail")
def tail(
    lines: Annotated[int, typer.Option("-n", "--lines", min=0, help="Rows to show first.")] = 20,
    follow: Annotated[
        bool, typer.Option("--follow/--no-follow", help="Keep printing new rows (Ctrl-C stops).")
    ] = True,
    interval: Annotated[
        float, typer.Option(min=0.1, help="Seconds between polls while following.")
    ] = 1.0,
) -> None:
    """Print the latest API requests, then follow new ones as they are written."""
    settings = load_settings_or_exit(AuthSettings)
    configure(settings, service="audit-cli")

    async def main() -> None:
        engine = create_engine(settings, application_name="parley-audit-cli")
        try:
            await _tail(create_sessionmaker(engine), lines=lines, follow=follow, interval=interval)
        finally:
            await engine.dispose()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
