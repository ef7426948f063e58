"""The knowledge base end to end: the four services as processes with the real model,
``parley kb sync`` against the simulated Chatwoot's Help Center, and an upload through
ingest's API; each found by a paraphrase, and gone once archived or deleted."""

from __future__ import annotations

import asyncio
import secrets
import time
import warnings
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from parley_cli.client import (
    SearchClient,
    create_user,
    provision_token,
    sync_help_center,
    upload_document,
)
from parley_simulator.corpus import build_corpus
from parley_simulator.dashboard_app import HelpCenterApi, conversations_of, serve_dashboard
from parley_simulator.help_center import HelpCenter
from parley_simulator.help_center_corpus import demo_help_center
from parley_testing.stack import Stack
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

PASSWORD = "correct horse battery staple"
READY_TIMEOUT_S = 120.0
CHARGED_TWICE = "A duplicate charge is usually a card authorisation"


@dataclass
class Chatwoot:
    center: HelpCenter
    url: str
    token: str


@pytest.fixture(scope="module")
def chatwoot() -> Iterator[Chatwoot]:
    center, token = demo_help_center(account_id=1), secrets.token_hex(16)
    conversations = conversations_of(build_corpus(conversations=1, seed=1))
    api = HelpCenterApi(center, token)
    with serve_dashboard(conversations, "http://127.0.0.1/app/chatwoot", help_center=api) as port:
        yield Chatwoot(center, f"http://127.0.0.1:{port}", token)


@pytest.fixture(scope="module")
def stack_settings(chatwoot: Chatwoot) -> dict[str, str]:
    return {"PARLEY_CHATWOOT_BASE_URL": chatwoot.url}  # no token: `parley kb sync` brings it


@dataclass
class Project:
    token: str
    search: SearchClient


@pytest.fixture(scope="module")
async def projects(stack: Stack) -> AsyncIterator[tuple[Project, Project]]:
    await create_user(stack.env, "kb-owner", PASSWORD)
    made = []
    for name in ("support", "other"):
        token = await provision_token(
            stack.url("auth"), username="kb-owner", password=PASSWORD, project=name, account_ids=[1]
        )
        made.append(Project(token, SearchClient.with_token(stack.url("search-api"), token)))
    yield made[0], made[1]
    for project in made:
        await project.search.close()


async def sync(stack: Stack, chatwoot: Chatwoot) -> None:
    await sync_help_center({**stack.env, "PARLEY_CHATWOOT_API_TOKEN": chatwoot.token}, 1)


async def processed(stack: Stack) -> None:
    """Until no current knowledge document waits for the embedder."""
    engine = create_async_engine(stack.env["PARLEY_DATABASE_URL"])
    query = text(
        "SELECT count(*) FROM kb_documents WHERE archived_at IS NULL "
        "AND processing_status = 'pending'"
    )
    deadline = time.monotonic() + READY_TIMEOUT_S
    try:
        while True:
            async with engine.connect() as connection:
                if not await connection.scalar(query):
                    return
            assert time.monotonic() < deadline, stack.log_tail()
            await asyncio.sleep(0.2)
    finally:
        await engine.dispose()


async def top_hits(project: Project, query: str, n: int = 3) -> list[dict[str, Any]]:
    result = await project.search.search(query, mode="semantic", limit=n)
    hits: list[dict[str, Any]] = result["hits"]
    return hits


async def top_texts(project: Project, query: str, n: int = 3) -> list[str]:
    return [hit["text"] for hit in await top_hits(project, query, n)]


async def test_a_synced_article_is_found_by_a_paraphrase_and_leaves_once_archived(
    stack: Stack, chatwoot: Chatwoot, projects: tuple[Project, Project]
) -> None:
    support, _ = projects
    await sync(stack, chatwoot)
    await processed(stack)
    query = "my card shows the same purchase billed two times"
    [top] = await top_hits(support, query, 1)
    assert CHARGED_TWICE in top["text"]
    assert (top["kind"], top["conversation"]) == ("article", None)
    assert top["document"]["id"].startswith("cwart:")
    article = chatwoot.center.articles[0]
    article.status, article.updated_at = "archived", article.updated_at + 10**6
    await sync(stack, chatwoot)
    await processed(stack)
    deadline = time.monotonic() + 30
    while any(CHARGED_TWICE in t for t in await top_texts(support, query, 10)):
        assert time.monotonic() < deadline, "the archived article is still found"
        await asyncio.sleep(0.3)


LOANERS = (
    b"# Loaner devices\n\nWhile a laptop is in repair, the customer may borrow a loaner "
    b"device for up to three weeks at no cost.\n"
)


async def test_an_uploaded_markdown_file_is_chunked_within_seconds(
    stack: Stack, projects: tuple[Project, Project]
) -> None:
    support, _ = projects
    started = time.monotonic()
    document = await upload_document(
        stack.url("ingest"),
        support.token,
        file_name="loaners.md",
        data=LOANERS,
        media_type="text/markdown",
        category="policy",
        metadata={"team": "repairs"},
    )
    async with httpx.AsyncClient(base_url=stack.url("ingest")) as http:
        status = document["processing_status"]
        while status == "pending":
            assert time.monotonic() - started < 30, stack.log_tail()
            await asyncio.sleep(0.05)
            shown = await http.get(
                f"/v1/kb/documents/{document['id']}",
                headers={"Authorization": f"Bearer {support.token}"},
            )
            status = shown.json()["processing_status"]
    seconds = time.monotonic() - started
    assert status == "ready"
    warnings.warn(f"knowledge figures: upload to ready chunks in {seconds:.2f} s", stacklevel=1)


async def test_an_uploaded_document_is_found_by_a_paraphrase_in_its_project_only(
    stack: Stack, projects: tuple[Project, Project]
) -> None:
    support, other = projects
    await upload_document(
        stack.url("ingest"),
        support.token,
        file_name="loaners-2.md",
        data=LOANERS,
        media_type="text/markdown",
        category="policy",
        metadata={},
    )
    await processed(stack)
    query = "can I borrow a laptop while mine is being repaired"
    found = [hit for hit in await top_hits(support, query, 3) if "loaner" in hit["text"]]
    assert found  # and, whichever of the module's loaner uploads, a document hit
    assert {(hit["kind"], hit["document"]["category"]) for hit in found} == {("document", "policy")}
    assert not any("loaner" in t for t in await top_texts(other, query, 10))
