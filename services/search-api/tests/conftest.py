"""Fixtures for search-api: one loaded model per session, the app bound to the rolled-back
test session, and a world of projects, callers, conversations and embedded messages."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from parley_embeddings.local import LocalProvider
from parley_search_api.settings import SearchSettings
from sqlalchemy.ext.asyncio import AsyncSession

sys.path.insert(0, str(Path(__file__).parent))

from parley_search_api_testkit import CHATWOOT_URL, World, open_client


@pytest.fixture(scope="session")
def provider() -> LocalProvider:
    return LocalProvider()


@pytest.fixture(scope="module")
def search_settings(database_url: str) -> SearchSettings:
    return SearchSettings(database_url=database_url, chatwoot_base_url=CHATWOOT_URL)


@pytest.fixture
async def client(
    search_settings: SearchSettings, provider: LocalProvider, db_session: AsyncSession
) -> AsyncIterator[httpx.AsyncClient]:
    async for client in open_client(search_settings, provider, db_session):
        yield client


@pytest.fixture
def world(db_session: AsyncSession, provider: LocalProvider) -> World:
    return World(db_session, provider)
