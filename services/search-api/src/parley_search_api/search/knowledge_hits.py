"""SQL that turns ranked knowledge chunk ids (articles, uploaded documents) into hits: the
chunk, where it sits in its document, and the document."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from parley_schema.models import ChunkKind, KbDocument, RagChunk
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley_search_api.search.hit_repository import (
    CHUNK_IDS,
    highlight_column,
    hydration_parameters,
)
from parley_search_api.settings import TextSearchConfig


@dataclass(frozen=True)
class KnowledgeHitRow:
    chunk_id: uuid.UUID
    kind: str
    text: str
    highlight: str | None
    heading_path: list[str]
    page_number: int | None
    document_id: str
    title: str
    url: str | None
    category: str
    locale: str | None
    version: int


class KnowledgeHitRepository:
    async def hydrate(
        self,
        session: AsyncSession,
        *,
        chunk_ids: Sequence[uuid.UUID],
        query: str | None,
        config: TextSearchConfig,
    ) -> dict[uuid.UUID, KnowledgeHitRow]:
        """Knowledge hits with their document; a document that has left search (archived,
        its chunks not deleted yet) drops out."""
        if not chunk_ids:
            return {}
        rows = await session.execute(
            select(
                RagChunk.id.label("chunk_id"),
                RagChunk.kind,
                RagChunk.text,
                highlight_column(config, highlighted=query is not None).label("highlight"),
                RagChunk.heading_path,
                RagChunk.page_number,
                KbDocument.global_id.label("document_id"),
                KbDocument.title,
                KbDocument.url,
                KbDocument.category,
                KbDocument.locale,
                KbDocument.version,
            )
            .join(KbDocument, KbDocument.global_id == RagChunk.document_global_id)
            .where(
                RagChunk.id.in_(CHUNK_IDS),
                RagChunk.kind != ChunkKind.MESSAGE,
                KbDocument.archived_at.is_(None),
            ),
            hydration_parameters(chunk_ids, query),
        )
        hits = {}
        for row in rows:
            hit = row._mapping
            hits[hit["chunk_id"]] = KnowledgeHitRow(
                **{**hit, "heading_path": list(hit["heading_path"] or [])}
            )
        return hits


knowledge_hit_repository = KnowledgeHitRepository()
