"""search-api does not ping pooled connections before use; a Postgres restart must still cost
no failed request once the server is back.

The app runs against a private embedded server (the shared test server cannot be restarted)
with its real session dependency, so the pool and its connections are the production ones.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from parley_devstack.embedded_db import EmbeddedDatabase
from parley_embeddings.local import LocalProvider
from parley_search_api.main import create_app
from parley_search_api.settings import SearchSettings
from parley_testing.factories import make_api_caller
from parley_testing.postgres import private_server
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

CONCURRENT = 4


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmbeddedDatabase]:
    with private_server(tmp_path / "pg") as server:
        yield server


async def _token(url: str) -> str:
    engine = create_async_engine(url)
    try:
        async with AsyncSession(engine) as session:
            caller = await make_api_caller(session, name="restart", account_ids=[1])
            await session.commit()
    finally:
        await engine.dispose()
    return caller.token


async def _statuses(client: httpx.AsyncClient) -> list[int]:
    responses = await asyncio.gather(
        *(
            client.get("/v1/search", params={"q": f"refund {n}", "mode": "keyword"})
            for n in range(CONCURRENT)
        )
    )
    return [response.status_code for response in responses]


async def test_requests_succeed_after_postgres_restarts(
    server: EmbeddedDatabase, provider: LocalProvider
) -> None:
    url = server.url("parley")
    settings = SearchSettings(database_url=url, db_pool_size=CONCURRENT)
    assert not settings.db_pool_pre_ping
    token = await _token(url)
    app = create_app(settings, provider=provider)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://test",
            headers={"Authorization": f"Bearer {token}"},
        ) as client:
            assert await _statuses(client) == [200] * CONCURRENT  # the pool holds connections

            await asyncio.to_thread(server.stop)
            await asyncio.to_thread(server.start)

            assert await _statuses(client) == [200] * CONCURRENT
            assert await _statuses(client) == [200] * CONCURRENT
