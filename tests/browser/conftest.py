"""The stack as processes with the real model, a demo support history sent through ingest's
webhook endpoint, a simulated Chatwoot page on another origin that embeds the panel, and
Debian's Chromium driven by Playwright.

Chatwoot is at ``http://localhost:<port>`` and Parley at ``http://127.0.0.1:<port>``: other
sites, as in production, so the panel runs in a cross-site iframe (no cookies reach it)."""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from parley_cli.client import create_user, provision_token
from parley_devstack.embedded_db import EmbeddedDatabase
from parley_simulator.corpus import Corpus, build_corpus
from parley_simulator.dashboard_app import conversations_of, serve_dashboard
from parley_simulator.delivery import deliver_all
from parley_simulator.model import Conversation
from parley_testing.postgres import clone_template, drop_database, free_port, run_async
from parley_testing.stack import Stack, running_stack
from playwright.sync_api import Browser, Playwright, sync_playwright
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; `make test` installs it
USERNAME = "agent"
PASSWORD = "correct horse battery staple"
CONVERSATIONS = 40
SEARCHABLE_TIMEOUT_S = 240.0
# What the browser tests see is saved as the README's pictures with
# PARLEY_UPDATE_SCREENSHOTS=1, else in a temporary folder: a test run leaves the checkout as
# it found it.
SCREENSHOTS = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    if os.environ.get("PARLEY_UPDATE_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "parley-browser-screenshots"
)


@dataclass
class PanelWorld:
    stack: Stack
    corpus: Corpus
    token: str  # an API token of the agent's project, for asking the API what to expect
    chatwoot_port: int
    labelled: Conversation  # its contact's labels are in Parley (see _sync_labels)
    figures: list[str] = field(default_factory=list)

    @property
    def app_url(self) -> str:
        return self.stack.url("search-api")

    @property
    def chatwoot_url(self) -> str:
        return f"http://localhost:{self.chatwoot_port}"

    def api(self, path: str, json: object = None) -> dict[str, object]:
        """GET ``path``, or POST ``json`` to it."""
        headers = {"Authorization": f"Bearer {self.token}"}
        if json is None:
            response = httpx.get(self.app_url + path, headers=headers, timeout=30)
        else:
            response = httpx.post(self.app_url + path, json=json, headers=headers, timeout=30)
        response.raise_for_status()
        body: dict[str, object] = response.json()
        return body


async def _sync_labels(database_url: str, conversation: Conversation) -> None:
    """Write one contact's labels as ingest's contact-label sync does after reading them
    from Chatwoot's REST API (the simulated Chatwoot page serves no REST API)."""
    contact = conversation.contact
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as connection:
            updated = await connection.execute(
                text(
                    "UPDATE cw_contacts SET labels = :labels, labels_stale_at = NULL, "
                    "labels_synced_at = now() WHERE id = :id"
                ),
                {
                    "labels": list(contact.labels),
                    "id": f"cwc:{conversation.account.id}:{contact.id}",
                },
            )
            assert updated.rowcount == 1, "the contact came with its conversation's webhooks"
    finally:
        await engine.dispose()


async def _wait_searchable(database_url: str, corpus: Corpus) -> None:
    expected = [f"cwmsg:{m.account_id}:{m.message_id}" for m in corpus.searchable()]
    engine = create_async_engine(database_url)
    query = text(
        "SELECT count(DISTINCT message_global_id) FROM rag_chunks "
        "WHERE embedding_status = 'ready' AND message_global_id = ANY(:ids)"
    )
    deadline = time.monotonic() + SEARCHABLE_TIMEOUT_S
    try:
        while True:
            async with engine.connect() as connection:
                ready = int(await connection.scalar(query, {"ids": expected}) or 0)
            if ready >= len(expected):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{ready} of {len(expected)} messages became searchable")
            await asyncio.sleep(0.5)
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def world(
    pg_server: EmbeddedDatabase,
    template_database_url: str,
    module_amqp_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[PanelWorld]:
    name = run_async(lambda: clone_template(pg_server))
    database_url = pg_server.url(name)
    chatwoot_port = free_port()
    extra = {"PARLEY_CHATWOOT_BASE_URL": f"http://localhost:{chatwoot_port}"}
    logs = Path(tmp_path_factory.mktemp("logs"))
    corpus = build_corpus(conversations=CONVERSATIONS, seed=7)
    with running_stack(database_url, module_amqp_url, logs, extra_env=extra) as stack:
        run_async(lambda: create_user(stack.env, USERNAME, PASSWORD, admin=True))
        token = run_async(
            lambda: provision_token(
                stack.url("auth"),
                username=USERNAME,
                password=PASSWORD,
                project="support",
                account_ids=[1, 2],
            )
        )
        run_async(
            lambda: deliver_all(stack.url("ingest"), corpus.deliveries, stack.webhook_secrets)
        )
        run_async(lambda: _wait_searchable(database_url, corpus))
        labelled = next(c for c in corpus.conversations if c.contact.labels)
        run_async(lambda: _sync_labels(database_url, labelled))
        panel_url = f"{stack.url('search-api')}/app/chatwoot"
        with serve_dashboard(conversations_of(corpus), panel_url, port=chatwoot_port):
            world = PanelWorld(stack, corpus, token, chatwoot_port, labelled)
            yield world
        for line in world.figures:
            # A warning reaches the summary from an xdist worker too (printing would not). A
            # built-in category: xdist's controller imports a warning's class to show it, and
            # cannot import this conftest when it did not collect tests/browser itself.
            warnings.warn(f"browser figures: {line}", UserWarning, stacklevel=1)
    run_async(lambda: drop_database(pg_server, name))


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (make test does it)")
    # --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
    yield browser
    browser.close()
