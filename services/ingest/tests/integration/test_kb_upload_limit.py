"""``PARLEY_KB_UPLOAD_MAX_BYTES``: a larger upload gets 413 and stores nothing."""

from __future__ import annotations

import uuid

import httpx
import pytest
from parley_ingest.settings import IngestSettings
from parley_schema.models import KbDocument
from parley_testing.factories import make_api_caller
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

LIMIT = 2048


@pytest.fixture(scope="module")
def ingest_settings(ingest_settings: IngestSettings) -> IngestSettings:
    return ingest_settings.model_copy(update={"kb_upload_max_bytes": LIMIT})


async def test_a_file_past_the_size_limit_gets_413(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    owner = await make_api_caller(db_session, name=f"owner-{uuid.uuid4().hex[:8]}", account_ids=[])
    headers = {"Authorization": f"Bearer {owner.token}"}

    async def send(size: int) -> httpx.Response:
        files = {"file": ("notes.txt", b"x" * size, "text/plain")}
        return await client.post("/v1/kb/documents", files=files, headers=headers)

    assert (await send(LIMIT)).status_code == 201
    too_large = await send(LIMIT + 1)
    assert (too_large.status_code, too_large.json()["error"]["code"]) == (
        413, "document_too_large"
    )  # fmt: skip
    assert (await send(200_000)).status_code == 413  # cut off while reading the body
    count = await db_session.scalar(
        select(func.count()).where(KbDocument.project_id == owner.project_id)
    )
    assert count == 1
