"""Credentials and project membership decide who may search, and what."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, datetime

import httpx
import pytest
from parley_authn import SESSION_COOKIE, hash_secret
from parley_schema.models import ApiToken, ProjectMember, ProjectSource
from parley_schema.models import Session as LoginSession
from parley_search_api_testkit import World
from parley_testing.statements import recorded_statements
from sqlalchemy import delete, insert, update
from sqlalchemy.ext.asyncio import AsyncSession

ENDPOINTS = [
    ("GET", "/v1/search?q=refund"),
    ("GET", "/v1/conversations/cw:1:1"),
    ("GET", "/v1/conversations/cw:1:1/similar"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
async def test_no_credentials_is_401(client: httpx.AsyncClient, method: str, path: str) -> None:
    response = await client.request(method, path)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


async def test_an_unknown_or_malformed_token_is_401(client: httpx.AsyncClient) -> None:
    for header in ("Bearer prl_not-a-real-token", "Bearer", "Basic dXNlcjpwYXNz", "prl_x"):
        response = await client.get(
            "/v1/search", params={"q": "x"}, headers={"Authorization": header}
        )
        assert response.status_code == 401, header


async def test_a_revoked_token_is_401(
    world: World, db_session: AsyncSession, client: httpx.AsyncClient
) -> None:
    caller = await world.caller([(1, None)])
    await db_session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == caller.user_id)
        .values(revoked_at=datetime.now(UTC))
    )

    response = await client.get("/v1/search", params={"q": "x"}, headers=caller.headers)

    assert response.status_code == 401


async def test_a_session_without_an_active_project_is_403(
    world: World, client: httpx.AsyncClient
) -> None:
    caller = await world.member(None)

    client.cookies.update(caller.cookies)
    response = await client.get("/v1/search", params={"q": "x"})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "no_active_project"


async def test_a_session_whose_user_left_the_project_is_403(
    world: World, db_session: AsyncSession, client: httpx.AsyncClient
) -> None:
    caller = await world.caller([(1, None)])
    await db_session.execute(delete(ProjectMember).where(ProjectMember.user_id == caller.user_id))

    by_token = await client.get("/v1/search", params={"q": "x"}, headers=caller.headers)
    client.cookies.update(caller.cookies)
    by_cookie = await client.get("/v1/search", params={"q": "x"})

    assert by_cookie.status_code == 403
    assert by_token.status_code == 401  # a token outlives no membership


async def test_a_project_without_sources_finds_nothing(
    world: World, client: httpx.AsyncClient
) -> None:
    caller = await world.caller([])
    gid = await world.conversation(1)
    await world.message(gid, "refund please")

    body = (await client.get("/v1/search", params={"q": "refund"}, headers=caller.headers)).json()

    assert body["hits"] == []


async def test_revocation_logout_and_source_changes_count_on_the_next_request(
    world: World, db_session: AsyncSession, client: httpx.AsyncClient
) -> None:
    caller = await world.caller([(2, None)])
    gid = await world.conversation(1)
    await world.message(gid, "refund please")

    by_cookie = {"Cookie": f"{SESSION_COOKIE}={caller.cookie}"}

    def search(headers: dict[str, str]) -> Awaitable[httpx.Response]:
        return client.get("/v1/search", params={"q": "refund"}, headers=headers)

    assert (await search(caller.headers)).json()["hits"] == []
    await db_session.execute(
        insert(ProjectSource).values(project_id=caller.project_id, account_id=1, inbox_id=None)
    )
    assert len((await search(caller.headers)).json()["hits"]) == 1
    assert (await search(by_cookie)).status_code == 200

    await db_session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == caller.user_id)
        .values(revoked_at=datetime.now(UTC))
    )
    await db_session.execute(
        delete(LoginSession).where(LoginSession.session_id == hash_secret(caller.cookie))
    )

    assert (await search(caller.headers)).status_code == 401
    assert (await search(by_cookie)).status_code == 401


async def test_credential_project_and_sources_cost_one_query(
    world: World, db_session: AsyncSession, client: httpx.AsyncClient
) -> None:
    caller = await world.caller([(1, None), (2, 3)])
    await client.get("/v1/search", params={"q": "warm", "mode": "keyword"}, headers=caller.headers)
    with recorded_statements(db_session) as statements:
        response = await client.get(
            "/v1/search", params={"q": "refund", "mode": "keyword"}, headers=caller.headers
        )

    assert response.status_code == 200
    access = [s for s in statements if "api_tokens" in s or "project_sources" in s]
    assert len(access) == 1, access
    assert "project_sources" in access[0]
