"""Hybrid search runs its dense candidates on a connection of its own beside the keyword and
lift statements, while the pool has room (SearchService._candidates). Here the app runs with
its real session dependency on committed data, so the pool and its connections are the
production ones: every search on the smallest pool answers, and answers alike, whether it
ran its sides at once or in turn."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from parley_embeddings.local import LocalProvider
from parley_search_api.main import create_app
from parley_search_api.settings import SearchSettings
from parley_search_api_testkit import CHATWOOT_URL, World
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

AT_ONCE = 6
TEXTS = (
    "I can't log in, the password reset email never arrives",
    "I was charged twice for my subscription and want my money back",
    "My parcel has been stuck at the warehouse for two weeks",
    "Windows update fails with error 0x80070005 every time",
)


async def _committed_world(database_url: str, provider: LocalProvider) -> dict[str, str]:
    engine = create_async_engine(database_url)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            world = World(session, provider)
            caller = await world.caller([(1, None)])
            for text in TEXTS:
                await world.message(await world.conversation(1), text)
            await session.commit()
    finally:
        await engine.dispose()
    return caller.headers


def _ranking(response: httpx.Response) -> list[tuple[str, Any, Any]]:
    assert response.status_code == 200, response.text
    return [
        (hit["conversation"]["id"], hit["scores"]["semantic"], hit["scores"]["keyword"])
        for hit in response.json()["hits"]
    ]


async def test_hybrid_searches_at_once_on_a_one_connection_pool_all_answer_alike(
    database_url: str, provider: LocalProvider
) -> None:
    headers = await _committed_world(database_url, provider)
    settings = SearchSettings(
        database_url=database_url, chatwoot_base_url=CHATWOOT_URL, db_pool_size=1
    )
    app = create_app(settings, provider=provider)
    query = {"q": "refund for a double charge on my subscription"}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://test", headers=headers, timeout=30
        ) as client:
            alone = _ranking(await client.post("/v1/search", json=query))
            together = await asyncio.gather(
                *(client.post("/v1/search", json=query) for _ in range(AT_ONCE))
            )

    top_semantic, top_keyword = alone[0][1:]
    assert top_semantic is not None  # both sides found the refund
    assert top_keyword is not None
    assert [_ranking(response) for response in together] == [alone] * AT_ONCE
