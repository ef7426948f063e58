"""Every search-api request leaves an audit row naming its caller, never its search text."""

from __future__ import annotations

import asyncio

import httpx
from parley_authn import SESSION_COOKIE, hash_secret
from parley_schema.models import ApiRequest, ApiToken
from parley_search_api_testkit import World
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession


async def audit_rows_of(
    engine: AsyncEngine, caller_user_id: object, count: int
) -> list[ApiRequest]:
    deadline = asyncio.get_running_loop().time() + 10
    while True:
        async with AsyncSession(engine) as session:
            rows = list(
                await session.scalars(
                    select(ApiRequest)
                    .where(ApiRequest.user_id == caller_user_id)
                    .order_by(ApiRequest.id)
                )
            )
        if len(rows) >= count:
            return rows
        assert asyncio.get_running_loop().time() < deadline, rows
        await asyncio.sleep(0.05)


async def test_searches_are_recorded_with_user_project_and_token_but_not_the_query(
    client: httpx.AsyncClient, world: World, db_session: AsyncSession, db_engine: AsyncEngine
) -> None:
    caller = await world.caller([(1, None)])
    by_token = await client.get(
        "/v1/search", params={"q": "refund for Anna Müller"}, headers=caller.headers
    )
    by_session = await client.post(
        "/v1/search",
        json={"q": "refund for Anna Müller"},
        headers={"Cookie": f"{SESSION_COOKIE}={caller.cookie}"},
    )
    assert (by_token.status_code, by_session.status_code) == (200, 200)

    token_id = await db_session.scalar(
        select(ApiToken.id).where(ApiToken.token_hash == hash_secret(caller.token))
    )
    first, second = await audit_rows_of(db_engine, caller.user_id, 2)
    assert (first.service, first.method, first.endpoint, first.status) == (
        "search-api",
        "GET",
        "/v1/search",
        200,
    )
    assert (first.project_id, first.token_id) == (caller.project_id, token_id)
    assert (second.method, second.project_id, second.token_id) == ("POST", caller.project_id, None)
    assert first.query is None
    assert second.query is None
    assert first.correlation_id == by_token.headers["X-Request-ID"]
