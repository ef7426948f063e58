"""The web UI under /app/: its two pages, its assets and the headers that guard them."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from parley_embeddings.local import LocalProvider
from parley_search_api.settings import SearchSettings
from parley_search_api_testkit import CHATWOOT_URL, open_client
from sqlalchemy.ext.asyncio import AsyncSession


def csp(response: httpx.Response) -> dict[str, str]:
    directives = (
        d.strip().split(" ", 1) for d in response.headers["content-security-policy"].split(";")
    )
    return {name: value for name, value in directives}


async def test_pages_are_framed_only_by_the_configured_chatwoot(client: httpx.AsyncClient) -> None:
    for path in ("/app/", "/app/chatwoot"):
        response = await client.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        policy = csp(response)
        assert policy["frame-ancestors"] == CHATWOOT_URL
        assert policy["script-src"] == "'self'"
        assert policy["connect-src"] == "'self'"  # auth behind the same origin by default
        assert response.headers["x-content-type-options"] == "nosniff"
        assert f'data-chatwoot-origin="{CHATWOOT_URL}"' in response.text


async def test_app_without_slash_redirects(client: httpx.AsyncClient) -> None:
    response = await client.get("/app")
    assert (response.status_code, response.headers["location"]) == (308, "/app/")


async def test_pages_name_their_assets_by_digest_and_the_assets_are_served(
    client: httpx.AsyncClient,
) -> None:
    page = (await client.get("/app/chatwoot")).text
    assets = re.findall(r'(?:src|href)="(/app/static/[^"]+)"', page)
    assert {a.split("?")[0] for a in assets} == {"/app/static/app.css", "/app/static/panel.js"}
    for asset in assets:
        response = await client.get(asset)
        assert response.status_code == 200
        assert "frame-ancestors" in response.headers["content-security-policy"]
    script = await client.get("/app/static/panel.js")
    assert "javascript" in script.headers["content-type"]


async def test_a_missing_asset_is_a_404_in_the_error_envelope(client: httpx.AsyncClient) -> None:
    response = await client.get("/app/static/nothing.js")
    assert response.status_code == 404
    assert response.json()["error"]["code"]
    assert "frame-ancestors" in response.headers["content-security-policy"]


async def test_the_api_gets_no_app_headers(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/search?q=x")
    assert "content-security-policy" not in response.headers


@pytest.fixture
async def bare_client(
    database_url: str, provider: LocalProvider, db_session: AsyncSession
) -> AsyncIterator[httpx.AsyncClient]:
    settings = SearchSettings(database_url=database_url, app_auth_url="http://127.0.0.1:8003/")
    async for client in open_client(settings, provider, db_session):
        yield client


async def test_without_a_chatwoot_url_nobody_may_frame_the_ui(
    bare_client: httpx.AsyncClient,
) -> None:
    response = await bare_client.get("/app/chatwoot")
    policy = csp(response)
    assert policy["frame-ancestors"] == "'none'"
    assert policy["connect-src"] == "'self' http://127.0.0.1:8003"
    assert 'data-auth-url="http://127.0.0.1:8003"' in response.text
    assert 'data-chatwoot-origin=""' in response.text
