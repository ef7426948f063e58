"""What search adds for knowledge chunks (Help Center articles, uploaded documents).

They live in ``rag_chunks`` beside message chunks (``kind`` tells them apart), so one
semantic query and one keyword query find both kinds and fusion scores them on one scale.
This module maps a request's ``sources`` to chunk kinds, turns the knowledge filters into
conditions, and names the key hits are grouped by: a message chunk's conversation, a
knowledge chunk's document (``group_by=conversation`` shows one hit per either).
"""

from __future__ import annotations

from collections.abc import Collection

from parley_schema.models import ChunkKind, RagChunk
from sqlalchemy import ColumnElement, cast, func
from sqlalchemy.dialects.postgresql import JSONB

from parley_search_api.search.schemas import SearchFilters, SearchSource

KINDS_OF_SOURCE = {
    SearchSource.CONVERSATIONS: ChunkKind.MESSAGE,
    SearchSource.ARTICLES: ChunkKind.ARTICLE,
    SearchSource.DOCUMENTS: ChunkKind.DOCUMENT,
}

# Named like the column it stands in for, so statements keep reading it by that name.
HIT_GROUP = func.coalesce(RagChunk.conversation_global_id, RagChunk.document_global_id).label(
    "conversation_global_id"
)


def kinds_of(sources: Collection[SearchSource]) -> set[ChunkKind]:
    return {KINDS_OF_SOURCE[source] for source in sources}


def knowledge_conditions(filters: SearchFilters) -> list[ColumnElement[bool]]:
    """The knowledge filters; each leaves message chunks out (they have no such facts)."""
    conditions: list[ColumnElement[bool]] = []
    if filters.categories:
        conditions.append(RagChunk.category.in_(filters.categories))
    if filters.locales:
        conditions.append(RagChunk.locale.in_(filters.locales))
    if filters.metadata is not None:
        # ``@>`` on the GIN-indexed column (ix_rag_chunks_doc_metadata)
        conditions.append(RagChunk.doc_metadata.op("@>")(cast(filters.metadata, JSONB)))
    return conditions
