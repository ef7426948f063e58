"""A search's work is bounded (issue 17, item 7): no pooled connection is held while the
query is embedded, and a statement past ``PARLEY_STATEMENT_TIMEOUT_S`` answers 503
``search_timeout``.

The app runs with its real session dependency on the module's database (committed rows), so
the pool and its connections are the production ones.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
import pytest
from fastapi import FastAPI
from parley_embeddings.local import LocalProvider
from parley_search_api.main import create_app
from parley_search_api.settings import SearchSettings
from parley_search_api_testkit import World
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

ACCOUNT = 71


@dataclass
class PoolWatchingProvider:
    """The real model, noting how many of the app's pooled connections are checked out
    each time it embeds."""

    model: LocalProvider
    app: FastAPI | None = None
    checked_out: list[int] = field(default_factory=list)

    @property
    def model_name(self) -> str:
        return self.model.model_name

    @property
    def dimension(self) -> int:
        return self.model.dimension

    def count_tokens(self, text: str) -> int:
        return self.model.count_tokens(text)

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        assert self.app is not None
        self.checked_out.append(self.app.state.database.engine.pool.checkedout())
        return await self.model.embed(texts)


@pytest.fixture(scope="module")
async def token(db_engine: AsyncEngine, provider: LocalProvider) -> str:
    async with AsyncSession(db_engine, expire_on_commit=False) as session:
        world = World(session, provider)
        caller = await world.caller([(ACCOUNT, None)])
        gid = await world.conversation(ACCOUNT)
        await world.message(gid, "I was charged twice, please refund one payment")
        await session.commit()
    return caller.token


@asynccontextmanager
async def _client(app: FastAPI, token: str) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://test",
            headers={"Authorization": f"Bearer {token}"},
        ) as client:
            yield client


async def test_no_connection_is_checked_out_while_the_query_is_embedded(
    database_url: str, provider: LocalProvider, token: str
) -> None:
    watching = PoolWatchingProvider(provider)
    app = create_app(SearchSettings(database_url=database_url), provider=watching)
    watching.app = app
    async with _client(app, token) as client:
        for mode in ("semantic", "hybrid"):
            response = await client.post(
                "/v1/search", json={"q": f"double charge {mode}", "mode": mode}
            )
            assert response.status_code == 200, response.text
            assert response.json()["hits"]

    assert watching.checked_out == [0, 0]


async def test_a_statement_past_the_timeout_answers_503_search_timeout(
    database_url: str, db_engine: AsyncEngine, provider: LocalProvider, token: str
) -> None:
    settings = SearchSettings(database_url=database_url, statement_timeout_s=0.5)
    app = create_app(settings, provider=provider)
    async with _client(app, token) as client:
        async with db_engine.connect() as blocker:
            # Searches read rag_chunks; this lock makes their statements wait past the timeout.
            await blocker.execute(text("LOCK TABLE rag_chunks IN ACCESS EXCLUSIVE MODE"))
            response = await asyncio.wait_for(
                client.post("/v1/search", json={"q": "refund", "mode": "keyword"}), timeout=30
            )
            await blocker.rollback()
        after = await client.post("/v1/search", json={"q": "refund", "mode": "keyword"})

    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "search_timeout"
    assert after.status_code == 200, after.text
