"""A message deleted in Chatwoot (``message_updated`` with ``content_attributes.deleted``)
loses its chunks and vectors in the webhook's own transaction, not only its text."""

from __future__ import annotations

from typing import Any

from parley_ingest_testkit import SignedPost
from parley_schema.models import CwMessage, RagChunk
from sqlalchemy import func, insert, literal, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession


async def test_a_deleted_message_has_no_chunk_left(
    post_signed: SignedPost, fixture_bodies: dict[str, dict[str, Any]], db_session: AsyncSession
) -> None:
    for name in ("00_contact_created", "01_conversation_created", "02_message_created_incoming"):
        assert (await post_signed(fixture_bodies[name])).status_code == 200
    assert (
        await post_signed(fixture_bodies["06_message_created_non_latin_emoji"])
    ).status_code == 200
    await db_session.execute(
        insert(RagChunk).from_select(
            ["conversation_global_id", "message_global_id", "chunk_index", "text", "embedding"],
            select(
                CwMessage.conversation_global_id,
                CwMessage.id,
                literal(0),
                func.coalesce(CwMessage.content, "x"),
                literal_column("array_fill(0.1::real, ARRAY[384])::vector"),
            ),
        )
    )
    response = await post_signed(fixture_bodies["09_message_updated_deleted"])  # message 9005
    assert response.json()["status"] == "stored"
    chunks = set(await db_session.scalars(select(RagChunk.message_global_id)))
    assert "cwmsg:1:9005" not in chunks
    assert "cwmsg:1:9001" in chunks  # its neighbour keeps its chunk
    deleted = await db_session.get(CwMessage, "cwmsg:1:9005")
    assert deleted is not None
    assert (deleted.content, deleted.deleted_at is not None) == (None, True)
