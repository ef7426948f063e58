"""``parley demo``: the whole stack, a support team's history sent through the real webhook
endpoint, and searches over it.

Starts what ``parley up`` starts, creates a demo user, project and API token through the auth
API, delivers the simulator's signed Chatwoot webhooks to ingest, follows the embedder until
every message is searchable, runs a few example searches and says how to query it yourself.
It also serves a page that mimics Chatwoot's conversation view with Parley's panel as its
Dashboard App (``parley_simulator.dashboard_app``), on ``--chatwoot-port``, and points
search-api's Chatwoot URL at it, so the panel can be tried without a Chatwoot.
Keeps running until Ctrl-C (``--exit`` stops after the searches).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
from dataclasses import dataclass
from typing import Annotated, Any

import typer
from parley_schema.settings import ParleyBaseSettings
from parley_simulator.corpus import Corpus, build_corpus
from parley_simulator.dashboard_app import HelpCenterApi, conversations_of, serve_dashboard
from parley_simulator.delivery import deliver_all
from parley_simulator.documents import MARKDOWN, MARKDOWN_NAME, PDF_NAME, demo_pdf
from parley_simulator.help_center_corpus import demo_help_center
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from parley_cli.client import (
    ApiError,
    SearchClient,
    create_user,
    provision_token,
    sync_help_center,
    upload_document,
)
from parley_cli.console import console, fail
from parley_cli.context import get_settings, service_env
from parley_cli.processes import ProcessGroup
from parley_cli.readiness import is_ready
from parley_cli.services import SERVICES
from parley_cli.up import local_stack

DEMO_USER = "demo"
DEMO_PROJECT = "Demo"
READY_TIMEOUT_S = 180.0
SEARCHABLE_TIMEOUT_S = 900.0
KNOWLEDGE_TIMEOUT_S = 300.0
EXAMPLES = (
    ("customer was charged twice", "hybrid"),
    ("what does the two-year warranty cover", "semantic"),
    ("parcel never arrived", "semantic"),
    ("password reset email not received", "hybrid"),
    ("0x80070005", "hybrid"),
    ("Rückerstattung defektes Produkt", "keyword"),
)


def demo(
    exit_after: Annotated[
        bool, typer.Option("--exit", help="Stop the stack after the example searches.")
    ] = False,
    conversations: Annotated[int, typer.Option(min=1, max=5000)] = 320,
    seed: Annotated[int, typer.Option(help="The corpus is the same for the same seed.")] = 7,
    verbose: Annotated[bool, typer.Option(help="Show the services' info logs.")] = False,
    chatwoot_port: Annotated[
        int, typer.Option(min=1, max=65535, help="Port of the page that mimics Chatwoot.")
    ] = 8004,
) -> None:
    """Run the stack, ingest a demo support history through webhooks, and search it."""
    settings = get_settings()
    if not all(service.is_installed() for service in SERVICES):
        raise fail("the demo needs all four services installed", fix="make install")
    webhook_secrets = {account: secrets.token_hex(16) for account in (1, 2)}
    env = {
        **service_env(settings),  # the embedded database's URL, password included
        "PARLEY_CHATWOOT_WEBHOOK_SECRETS": json.dumps(webhook_secrets),
        "PARLEY_COOKIE_SECURE": "false",  # the local stack speaks plain http
        # The simulated Chatwoot: deep links land there, and it alone may frame the panel.
        "PARLEY_CHATWOOT_BASE_URL": f"http://localhost:{chatwoot_port}",
        "PARLEY_LOG_LEVEL": "INFO" if verbose else "WARNING",
        "HF_HUB_OFFLINE": "1",
    }
    corpus = build_corpus(conversations=conversations, seed=seed)
    panel_url = f"http://127.0.0.1:{settings.search_api_port}/app/chatwoot"
    # The simulated Chatwoot's Help Center, read by `parley kb sync` (its token is the demo's
    # own; the services get none, so they run no periodic REST reads against the page).
    help_center = HelpCenterApi(demo_help_center(account_id=1), secrets.token_hex(16))
    with contextlib.ExitStack() as running:
        try:
            running.enter_context(
                serve_dashboard(
                    conversations_of(corpus),
                    panel_url,
                    port=chatwoot_port,
                    help_center=help_center,
                )
            )
        except OSError as error:
            raise fail(
                f"port {chatwoot_port} for the simulated Chatwoot is taken ({error.strerror})",
                fix="parley demo --chatwoot-port <a free port>",
            ) from None
        specs = running.enter_context(local_stack(settings))
        demo = Demo(
            settings,
            ProcessGroup(specs, env),
            corpus,
            webhook_secrets,
            chatwoot_port,
            help_center.api_token,
        )
        code = asyncio.run(_run(demo, exit_after))
    raise typer.Exit(code)


@dataclass(frozen=True)
class Demo:
    settings: ParleyBaseSettings
    group: ProcessGroup
    corpus: Corpus
    webhook_secrets: dict[int, str]
    chatwoot_port: int
    chatwoot_api_token: str


async def _run(demo: Demo, exit_after: bool) -> int:
    await demo.group.start()
    try:
        steps = asyncio.create_task(_steps(demo))
        stopped = asyncio.create_task(demo.group.wait())
        done, _ = await asyncio.wait({steps, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if stopped in done:
            steps.cancel()
            return stopped.result()
        steps.result()
        if exit_after:
            stopped.cancel()
            return 0
        console.print("\n[bold]The stack keeps running; Ctrl-C stops it.[/]")
        return await stopped
    finally:
        await demo.group.stop()


async def _steps(demo: Demo) -> None:
    settings = demo.settings
    await _wait_ready(settings)
    token, password = await _demo_token(settings, demo.group)
    await _deliver(settings, demo.corpus, demo.webhook_secrets)
    await _knowledge(demo, token)
    await _wait_searchable(settings, demo.corpus)
    await _wait_knowledge(settings)
    await _example_searches(settings, token)
    _print_next_steps(settings, token)
    _print_panel(settings, password, demo.chatwoot_port)


async def _wait_ready(settings: ParleyBaseSettings) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    with console.status("waiting for the services to be ready…"):
        for spec in (s for s in SERVICES if s.is_enabled(settings)):
            while not await is_ready(spec, settings):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{spec.name} did not become ready; see its log above")
                await asyncio.sleep(0.5)
    console.print("[green]all services ready[/]")


async def _demo_token(settings: ParleyBaseSettings, group: ProcessGroup) -> tuple[str, str]:
    """A token of the demo project and the demo user's password; the user is made on the
    first run and its generated password kept (readable only by you) in PARLEY_DATA_DIR for
    the next runs."""
    auth_url = f"http://127.0.0.1:{settings.auth_port}"
    credentials = settings.data_dir / "demo-password"
    password = credentials.read_text().strip() if credentials.exists() else None
    if password is None:
        password = secrets.token_urlsafe(16)
        await create_user(group.env, DEMO_USER, password, admin=True)
        credentials.parent.mkdir(parents=True, exist_ok=True)
        credentials.touch(mode=0o600)
        credentials.write_text(password)
    try:
        token = await provision_token(
            auth_url,
            username=DEMO_USER,
            password=password,
            project=DEMO_PROJECT,
            account_ids=[1, 2],
        )
    except ApiError as error:
        if error.status_code != 401:
            raise
        raise RuntimeError(
            f"the demo user's password in {credentials} no longer matches the database; "
            f"delete that file and the user, or start from an empty PARLEY_DATA_DIR"
        ) from None
    console.print(f"user [bold]{DEMO_USER}[/], project [bold]{DEMO_PROJECT}[/] (accounts 1, 2)")
    return token, password


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


async def _deliver(
    settings: ParleyBaseSettings, corpus: Corpus, webhook_secrets: dict[int, str]
) -> None:
    with _progress() as progress:
        task = progress.add_task("webhooks delivered", total=len(corpus.deliveries))
        await deliver_all(
            f"http://127.0.0.1:{settings.ingest_port}",
            corpus.deliveries,
            webhook_secrets,
            on_delivered=lambda _: progress.advance(task),
        )


async def _knowledge(demo: Demo, token: str) -> None:
    """Sync the simulated Help Center (account 1) and upload the two demo documents."""
    env = {**demo.group.env, "PARLEY_CHATWOOT_API_TOKEN": demo.chatwoot_api_token}
    with console.status("syncing the Help Center…"):
        await sync_help_center(env, account_id=1)
    ingest_url = f"http://127.0.0.1:{demo.settings.ingest_port}"
    uploads = (
        (PDF_NAME, demo_pdf(), "application/pdf", "policy"),
        (MARKDOWN_NAME, MARKDOWN.encode(), "text/markdown", "procedure"),
    )
    for file_name, data, media_type, category in uploads:
        await upload_document(
            ingest_url,
            token,
            file_name=file_name,
            data=data,
            media_type=media_type,
            category=category,
            metadata={"source": "demo"},
        )
    console.print(
        "Help Center synced (2 portals, account 1) and 2 documents uploaded "
        f"({PDF_NAME}, {MARKDOWN_NAME})"
    )


async def _wait_knowledge(settings: ParleyBaseSettings) -> None:
    """Until the embedder has processed every current knowledge document (ready or failed)."""
    engine = create_async_engine(settings.database_url_str)
    deadline = time.monotonic() + KNOWLEDGE_TIMEOUT_S
    query = text(
        "SELECT count(*) FILTER (WHERE processing_status <> 'pending'), count(*) "
        "FROM kb_documents WHERE archived_at IS NULL"
    )
    try:
        with _progress() as progress:
            task = progress.add_task("knowledge documents processed", total=None)
            while True:
                async with engine.connect() as connection:
                    done, total = (await connection.execute(query)).one()
                progress.update(task, completed=done, total=total)
                if done >= total:
                    return
                if time.monotonic() > deadline:
                    raise RuntimeError(f"only {done} of {total} knowledge documents were processed")
                await asyncio.sleep(0.5)
    finally:
        await engine.dispose()


async def _wait_searchable(settings: ParleyBaseSettings, corpus: Corpus) -> None:
    """Until every message that should be searchable has ready chunks."""
    expected = {
        f"cwmsg:{m.account_id}:{m.message_id}" for m in corpus.searchable(include_private=True)
    }
    engine = create_async_engine(settings.database_url_str)
    deadline = time.monotonic() + SEARCHABLE_TIMEOUT_S
    query = text(
        "SELECT count(DISTINCT message_global_id) FROM rag_chunks "
        "WHERE embedding_status = 'ready' AND message_global_id = ANY(:ids)"
    )
    try:
        with _progress() as progress:
            task = progress.add_task("messages searchable", total=len(expected))
            while True:
                async with engine.connect() as connection:
                    ready = int(await connection.scalar(query, {"ids": list(expected)}) or 0)
                progress.update(task, completed=ready)
                if ready >= len(expected):
                    return
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"only {ready} of {len(expected)} messages became searchable"
                    )
                await asyncio.sleep(0.5)
    finally:
        await engine.dispose()


async def _example_searches(settings: ParleyBaseSettings, token: str) -> None:
    client = SearchClient.with_token(f"http://127.0.0.1:{settings.search_api_port}", token)
    table = Table(title="Example searches", expand=True)
    table.add_column("query", ratio=2)
    table.add_column("mode", no_wrap=True)
    table.add_column("best hit", ratio=4, overflow="ellipsis", no_wrap=True)
    table.add_column("from", no_wrap=True)
    try:
        for query, mode in EXAMPLES:
            started = time.perf_counter()
            try:
                result = await client.search(query, mode=mode, limit=1)
            except ApiError as error:
                table.add_row(query, mode, f"[red]{error}[/]", "")
                continue
            elapsed_ms = (time.perf_counter() - started) * 1000
            if not result["hits"]:
                table.add_row(query, mode, "[dim]no hit[/]", "")
                continue
            hit = result["hits"][0]
            table.add_row(query, f"{mode}, {elapsed_ms:.0f} ms", hit["text"], _source_of(hit))
    finally:
        await client.close()
    console.print(table)


def _source_of(hit: dict[str, Any]) -> str:
    """Where a hit comes from: its conversation, or its article or document."""
    document = hit.get("document")
    if isinstance(document, dict):
        return f"{hit.get('kind', 'document')}: {document.get('title')}"
    conversation = hit.get("conversation")
    if not isinstance(conversation, dict) or not conversation.get("id"):
        return str(hit.get("kind") or "knowledge")
    return f"{conversation['id']} {conversation['status']}"


def _print_next_steps(settings: ParleyBaseSettings, token: str) -> None:
    search_url = f"http://127.0.0.1:{settings.search_api_port}"
    console.print(f"\nAPI token for the demo project (shown once): [bold]{token}[/]")
    console.print("Search it yourself:")
    console.print(
        f"  curl -s -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' "
        f'-d \'{{"q": "refund for a broken lamp", "mode": "hybrid"}}\' {search_url}/v1/search',
        soft_wrap=True,
    )
    console.print(
        f"OpenAPI docs: {search_url}/docs (search), "
        f"http://127.0.0.1:{settings.auth_port}/docs (auth), "
        f"http://127.0.0.1:{settings.ingest_port}/docs (ingest)"
    )


def _print_panel(settings: ParleyBaseSettings, password: str, chatwoot_port: int) -> None:
    app = f"http://127.0.0.1:{settings.search_api_port}/app"
    console.print(f"\nSearch page: [bold]{app}/[/]")
    console.print(
        f"Chatwoot panel: [bold]{app}/chatwoot[/] (a Dashboard App: Chatwoot → Settings → "
        "Integrations → Dashboard Apps; see the README)"
    )
    console.print(
        f"Try the panel without Chatwoot: open [bold]http://localhost:{chatwoot_port}/[/] "
        f"(a page that mimics Chatwoot's conversation view) and log in as "
        f"[bold]{DEMO_USER}[/] / [bold]{password}[/]",
        soft_wrap=True,
    )
