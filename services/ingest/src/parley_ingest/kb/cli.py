"""``parley kb add FILE --project P`` and ``parley kb sync --account N [--portal SLUG]``."""

from __future__ import annotations

import asyncio
import mimetypes
import time
import uuid
from pathlib import Path
from typing import Annotated

import typer
from parley_schema.db import create_engine, create_sessionmaker
from parley_schema.logging import configure
from parley_schema.models import Project
from parley_schema.settings import load_settings_or_exit
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley_ingest.backfill.cli import RichProgress
from parley_ingest.cli_errors import ending_cleanly
from parley_ingest.kb.errors import DocumentNotFound
from parley_ingest.kb.helpcenter.service import SyncRequest, SyncSummary, build_help_center_sync
from parley_ingest.kb.uploads.schemas import DocumentRead, UploadFields
from parley_ingest.kb.uploads.service import UploadedFile, Uploader, UploadService
from parley_ingest.outbox.repository import OutboxRepository
from parley_ingest.settings import IngestSettings

app = typer.Typer(help="The knowledge base: uploaded documents and Help Center articles.")
console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


@app.callback()
def kb() -> None:
    """Add documents to a project, or sync a Chatwoot account's Help Center."""


async def _project_id(session: AsyncSession, project: str) -> uuid.UUID:
    """A project by id, or by name when exactly one project has it."""
    try:
        project_id = uuid.UUID(project)
    except ValueError:
        ids = (await session.scalars(select(Project.id).where(Project.name == project))).all()
        if len(ids) != 1:
            raise DocumentNotFound(
                f"{'no' if not ids else 'more than one'} project named {project!r}: pass its id"
            ) from None
        return ids[0]
    if await session.get(Project, project_id) is None:
        raise DocumentNotFound(f"no project with id {project_id}")
    return project_id


async def add_document(
    settings: IngestSettings, path: Path, project: str, fields: UploadFields
) -> DocumentRead:
    """Store the file as a new document of the project, in one transaction."""
    upload = UploadedFile(
        file_name=path.name,
        media_type=mimetypes.guess_type(path.name)[0],
        data=await asyncio.to_thread(path.read_bytes),
    )
    engine = create_engine(settings, application_name="ingest-kb-add")
    try:
        async with create_sessionmaker(engine).begin() as session:
            uploader = Uploader(project_id=await _project_id(session, project), user_id=None)
            service = UploadService(max_bytes=settings.kb_upload_max_bytes)
            document = await service.create(session, uploader, fields, upload)
            await OutboxRepository().notify_relays(session)
            return document
    finally:
        await engine.dispose()


@app.command("add")
def add(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    project: Annotated[str, typer.Option("--project", help="Project id or name.")],
    category: Annotated[str, typer.Option("--category")] = "general",
    title: Annotated[str | None, typer.Option("--title")] = None,
    locale: Annotated[str | None, typer.Option("--locale")] = None,
    metadata: Annotated[str | None, typer.Option("--metadata", help="A JSON object.")] = None,
) -> None:
    """Upload a PDF, DOCX, Markdown, HTML or text file to a project's knowledge base."""
    settings = load_settings_or_exit(IngestSettings)
    configure(settings, service="ingest-kb")
    with ending_cleanly(err_console):
        fields = UploadFields.parse(
            category=category, metadata=metadata, title=title, locale=locale
        )
        document = asyncio.run(add_document(settings, file, project, fields))
    if document.processing_status == "failed":
        err_console.print(
            f"[bold red]stored as failed:[/] {document.id}: {document.processing_error}"
        )
        raise typer.Exit(1)
    console.print(
        f"[green]added[/] {document.id} “{document.title}” version {document.version} "
        f"({document.media_type}, {document.size_bytes} bytes); the embedder chunks it next"
    )


def sync_table(summary: SyncSummary, seconds: float) -> Table:
    table = Table(title=f"Help Center sync of account {summary.account_id}")
    columns = (
        "portal", "listing", "listed", "details read", "new", "new versions",
        "facts changed", "unchanged", "failed", "left search", "removed",
    )  # fmt: skip
    for name in columns:
        table.add_column(name, justify="left" if name in ("portal", "listing") else "right")
    for p in summary.portals:
        counts = (
            p.listed, p.details_read, p.created, p.new_versions, p.facts_changed,
            p.unchanged, p.failed, p.left_search, p.removed,
        )  # fmt: skip
        table.add_row(p.slug, "full" if p.full else "incremental", *map(str, counts))
    table.caption = f"{seconds:.1f} s"
    return table


async def run_sync(
    settings: IngestSettings, request: SyncRequest, progress: Progress
) -> SyncSummary | None:
    engine = create_engine(settings, application_name="ingest-kb-sync")
    try:
        sessionmaker = create_sessionmaker(engine)
        async with build_help_center_sync(settings, sessionmaker, RichProgress(progress)) as sync:
            return await sync.run_once(request)
    finally:
        await engine.dispose()


@app.command("sync")
def sync(
    account: Annotated[int, typer.Option("--account", help="Chatwoot account id.", min=1)],
    portal: Annotated[str | None, typer.Option("--portal", help="Only this portal (slug).")] = None,
    full: Annotated[
        bool, typer.Option("--full", help="List every article and remove deleted ones.")
    ] = False,
) -> None:
    """Read the account's Help Center articles (every portal and locale) into Parley."""
    settings = load_settings_or_exit(IngestSettings)
    configure(settings, service="ingest-kb-sync")
    started = time.monotonic()
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed}"))
    with (
        ending_cleanly(err_console, "sync failed"),
        Progress(*columns, console=console, transient=False) as progress,
    ):
        summary = asyncio.run(
            run_sync(settings, SyncRequest(account, portal_slug=portal, full=full), progress)
        )
    if summary is None:
        err_console.print("[yellow]another Help Center sync is running; try again later[/]")
        raise typer.Exit(1)
    console.print(sync_table(summary, time.monotonic() - started))
