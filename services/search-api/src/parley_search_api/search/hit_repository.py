"""SQL that turns ranked chunk ids into hits: message, conversation, contact, highlight,
and the messages around each hit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from parley_schema.models import ChunkKind, CwContact, CwConversation, CwMessage, RagChunk
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    Text,
    bindparam,
    case,
    func,
    literal,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession

from parley_search_api.conversations.rows import (
    ConversationFacts,
    MessageRow,
    conversation_columns,
    conversation_facts,
)
from parley_search_api.search.text_search import (
    highlight_terms,
    regconfig,
    text_query,
    text_vector,
)
from parley_search_api.settings import TextSearchConfig

HIGHLIGHT_START, HIGHLIGHT_STOP = "\x02", "\x03"
HIGHLIGHT_OPTIONS = (
    f"StartSel={HIGHLIGHT_START}, StopSel={HIGHLIGHT_STOP}, "
    "MaxWords=40, MinWords=12, MaxFragments=2, FragmentDelimiter= … "
)
CONTEXT_SQL = """
SELECT h.id AS hit_message_id, x.side, x.id, x.sender_type, x.sender_name, x.message_type,
       x.private, x.created_at, x.content
FROM cw_messages h
CROSS JOIN LATERAL (
    (SELECT 'before' AS side, m.id, m.sender_type, m.data->'sender'->>'name' AS sender_name,
            m.message_type, m.private, m.created_at, m.content
     FROM cw_messages m
     WHERE m.conversation_global_id = h.conversation_global_id
       AND m.deleted_at IS NULL AND (:include_private OR NOT m.private)
       AND (m.created_at, m.message_id) < (h.created_at, h.message_id)
     ORDER BY m.created_at DESC, m.message_id DESC
     LIMIT :size)
    UNION ALL
    (SELECT 'after' AS side, m.id, m.sender_type, m.data->'sender'->>'name' AS sender_name,
            m.message_type, m.private, m.created_at, m.content
     FROM cw_messages m
     WHERE m.conversation_global_id = h.conversation_global_id
       AND m.deleted_at IS NULL AND (:include_private OR NOT m.private)
       AND (m.created_at, m.message_id) > (h.created_at, h.message_id)
     ORDER BY m.created_at, m.message_id
     LIMIT :size)
) x
WHERE h.id = ANY(:ids)
"""

# A hit's conversation id, account and inbox are its chunk's copies.
_CONVERSATION = conversation_columns(
    RagChunk.conversation_global_id, RagChunk.account_id, RagChunk.inbox_id
)


# Hydration statements are built once per configuration, with and without highlights: the
# chunk ids and the query's terms are bound parameters (``hydration_parameters``).
CHUNK_IDS: BindParameter[list[uuid.UUID]] = bindparam("chunk_ids", expanding=True)
_HIGHLIGHT_TERMS = "highlight_terms"


def highlight_column(config: TextSearchConfig, *, highlighted: bool) -> ColumnElement[str | None]:
    """The chunk's text with the query's keyword matches marked, or NULL (no match, or not
    ``highlighted``: no keyword query)."""
    if not highlighted:
        return literal(None)
    tsquery = text_query(config, bindparam(_HIGHLIGHT_TERMS, type_=Text))
    return case(
        (
            text_vector(config).bool_op("@@")(tsquery),
            func.ts_headline(
                regconfig(config),
                RagChunk.text,
                tsquery,
                bindparam("highlight_options", HIGHLIGHT_OPTIONS),
            ),
        ),
        else_=None,
    )


def hydration_parameters(chunk_ids: Sequence[uuid.UUID], query: str | None) -> dict[str, object]:
    """The values of a statement over ``CHUNK_IDS`` and ``highlight_column``."""
    highlight = {} if query is None else {_HIGHLIGHT_TERMS: highlight_terms(query)}
    return {"chunk_ids": list(chunk_ids), **highlight}


@dataclass(frozen=True)
class HitRow:
    chunk_id: uuid.UUID
    text: str
    highlight: str | None
    message_id: str
    sender_type: str | None
    sender_name: str | None
    message_type: str | None
    private: bool
    message_created_at: datetime | None
    conversation: ConversationFacts


@dataclass(frozen=True)
class ContextRow(MessageRow):
    hit_message_id: str
    side: str  # "before" | "after"


@cache
def _hydration(config: TextSearchConfig, highlighted: bool) -> Select[Any]:
    return (
        select(
            RagChunk.id.label("chunk_id"),
            RagChunk.text,
            highlight_column(config, highlighted=highlighted).label("highlight"),
            RagChunk.message_global_id.label("message_id"),
            RagChunk.sender_type,
            CwMessage.data["sender"]["name"].astext.label("sender_name"),
            RagChunk.message_type,
            RagChunk.private,
            RagChunk.message_created_at,
            *_CONVERSATION,
        )
        .select_from(RagChunk)
        .outerjoin(CwMessage, CwMessage.id == RagChunk.message_global_id)
        .outerjoin(CwConversation, CwConversation.id == RagChunk.conversation_global_id)
        .outerjoin(CwContact, CwContact.id == CwConversation.contact_global_id)
        .where(
            RagChunk.id.in_(CHUNK_IDS),
            RagChunk.kind == ChunkKind.MESSAGE,
            CwMessage.deleted_at.is_(None),
        )
    )


class HitRepository:
    async def hydrate(
        self,
        session: AsyncSession,
        *,
        chunk_ids: Sequence[uuid.UUID],
        query: str | None,
        config: TextSearchConfig,
    ) -> dict[uuid.UUID, HitRow]:
        """Message hits with their message, conversation and contact; deleted messages drop
        out (knowledge chunks are ``knowledge_hits``')."""
        if not chunk_ids:
            return {}
        rows = await session.execute(
            _hydration(config, query is not None), hydration_parameters(chunk_ids, query)
        )
        hits = {}
        for row in rows:
            hit = row._mapping
            hits[hit["chunk_id"]] = HitRow(
                chunk_id=hit["chunk_id"],
                text=hit["text"],
                highlight=hit["highlight"],
                message_id=hit["message_id"] or "",
                sender_type=hit["sender_type"],
                sender_name=hit["sender_name"],
                message_type=hit["message_type"],
                private=hit["private"],
                message_created_at=hit["message_created_at"],
                conversation=conversation_facts(hit),
            )
        return hits

    async def context(
        self,
        session: AsyncSession,
        *,
        message_ids: Sequence[str],
        size: int,
        include_private: bool,
    ) -> list[ContextRow]:
        """Up to ``size`` messages before and after each hit's message, in its conversation."""
        if not message_ids or size == 0:
            return []
        rows = await session.execute(
            text(CONTEXT_SQL),
            {"ids": list(message_ids), "size": size, "include_private": include_private},
        )
        return [ContextRow(**row._mapping) for row in rows]


hit_repository = HitRepository()
