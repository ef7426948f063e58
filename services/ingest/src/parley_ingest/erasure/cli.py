"""``parley erase contact cwc:<account>:<id>``: erase a data subject from Parley."""

from __future__ import annotations

import asyncio
import getpass
from typing import Annotated

import typer
from parley_schema.db import create_engine, create_sessionmaker
from parley_schema.ids import ContactGlobalId
from parley_schema.logging import configure
from parley_schema.settings import load_settings_or_exit
from pydantic import TypeAdapter, ValidationError
from rich.console import Console
from rich.table import Table

from parley_ingest.cli_errors import ending_cleanly
from parley_ingest.erasure.schemas import ErasureRead
from parley_ingest.erasure.service import ErasureService
from parley_ingest.settings import IngestSettings

app = typer.Typer(help="Erase a data subject from Parley.", no_args_is_help=True)
console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)
CONTACT_ID = TypeAdapter(ContactGlobalId)


@app.callback()
def erase() -> None:
    """Erase a data subject: everything Parley holds that names them, in one transaction."""


async def erase_contact(settings: IngestSettings, contact_id: str, erased_by: str) -> ErasureRead:
    """One transaction: everything naming the contact goes, or nothing does."""
    engine = create_engine(settings, application_name="ingest-erase")
    try:
        async with create_sessionmaker(engine).begin() as session:
            return await ErasureService(settings=settings).erase_contact(
                session, contact_id, erased_by=erased_by
            )
    finally:
        await engine.dispose()


def erasure_table(erasure: ErasureRead) -> Table:
    table = Table(title=f"erasure {erasure.id}: {erasure.global_id}")
    table.add_column("removed")
    table.add_column("count", justify="right")
    for name, value in erasure.counts.model_dump().items():
        table.add_row(name.replace("_", " "), str(value))
    table.add_row("quarantined until", erasure.quarantined_until.isoformat(timespec="seconds"))
    return table


@app.command("contact")
def contact(
    global_id: Annotated[str, typer.Argument(help="The contact: cwc:<account id>:<contact id>.")],
) -> None:
    """Remove the contact, their conversations, messages, chunks, vectors and queued events."""
    try:
        CONTACT_ID.validate_python(global_id)
    except ValidationError:
        err_console.print(
            f"[bold red]error:[/] not a contact id (cwc:<account>:<id>): {global_id!r}"
        )
        raise typer.Exit(2) from None
    settings = load_settings_or_exit(IngestSettings)
    configure(settings, service="ingest-erase")
    with ending_cleanly(err_console):
        erasure = asyncio.run(erase_contact(settings, global_id, f"cli:{getpass.getuser()}"))
    console.print(erasure_table(erasure))
