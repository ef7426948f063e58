"""Writes a quality dataset straight into Parley's tables, with real embeddings.

This stands in for ingest + embedder (webhook → cw_* rows → chunks) so search modes can be
measured on their own: one conversation per dataset conversation, one message and one ready
chunk per turn, embedded by the same provider search-api uses for queries.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dataset import Conversation
from parley_embeddings.provider import EmbeddingProvider
from parley_schema.ids import conversation_global_id, message_global_id
from parley_schema.models import CwConversation, CwMessage, RagChunk
from parley_testing.factories import make_api_caller
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

ACCOUNT_ID = 1
INBOX_ID = 1
START = datetime(2025, 1, 1, tzinfo=UTC)


async def load(
    session: AsyncSession, conversations: list[Conversation], provider: EmbeddingProvider
) -> dict[str, str]:
    """Returns conversation global id → dataset id."""
    texts = [turn.text for conversation in conversations for turn in conversation.turns]
    vectors = iter(await provider.embed(texts))
    dataset_id_of: dict[str, str] = {}
    message_id = 0
    messages, chunks = [], []
    for number, conversation in enumerate(conversations, start=1):
        gid = conversation_global_id(ACCOUNT_ID, number)
        dataset_id_of[gid] = conversation.id
        await session.execute(
            insert(CwConversation).values(
                id=gid,
                account_id=ACCOUNT_ID,
                conversation_id=number,
                inbox_id=INBOX_ID,
                status="resolved",
                data={"labels": []},
            )
        )
        for turn in conversation.turns:
            message_id += 1
            created = START + timedelta(minutes=message_id)
            sender_type, message_type = (
                ("contact", "incoming") if turn.role == "customer" else ("user", "outgoing")
            )
            common = {
                "account_id": ACCOUNT_ID,
                "message_type": message_type,
                "sender_type": sender_type,
                "private": False,
            }
            mid = message_global_id(ACCOUNT_ID, message_id)
            messages.append(
                {
                    **common,
                    "id": mid,
                    "message_id": message_id,
                    "conversation_id": number,
                    "conversation_global_id": gid,
                    "content": turn.text,
                    "data": {},
                    "created_at": created,
                }
            )
            chunks.append(
                {
                    **common,
                    "conversation_global_id": gid,
                    "message_global_id": mid,
                    "chunk_index": 0,
                    "text": turn.text,
                    "embedding": next(vectors),
                    "embedding_status": "ready",
                    "embedding_model": provider.model_name,
                    "inbox_id": INBOX_ID,
                    "message_created_at": created,
                }
            )
    await session.execute(insert(CwMessage), messages)
    await session.execute(insert(RagChunk), chunks)
    return dataset_id_of


async def api_token(session: AsyncSession) -> str:
    """A project over the loaded account, and an API token for it."""
    caller = await make_api_caller(session, name="quality", account_ids=[ACCOUNT_ID])
    return caller.token
