"""SQL conditions that limit chunks and conversations to the caller's scope and filters.

They start from the project scope (``access.conditions``); filters only narrow it.
Conversation-level filters (contact, status, labels, conversation attributes, and the
contact's attributes and labels) become ``conversation_global_id = ANY(ARRAY(SELECT …))``:
an InitPlan evaluated once, which keeps the HNSW index scan usable under the filter. Chunk
rows carry no attributes: bench/search measures the recall of this pre-filter.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable
from dataclasses import dataclass, field
from functools import cached_property

from parley_schema.models import CwConversation, EmbeddingStatus, RagChunk
from sqlalchemy import ColumnElement, any_, func, select

from parley_search_api.access.conditions import chunks_in_scope, conversation_in_scope
from parley_search_api.access.scope import ProjectScope
from parley_search_api.conversations.conditions import conversation_facet_conditions
from parley_search_api.search.knowledge import kinds_of, knowledge_conditions
from parley_search_api.search.schemas import SearchFilters, SearchSource, SenderType

# Chatwoot names senders by class ("Contact", "User", "AgentBot"); compared lower-cased,
# with the snake_case spellings of its webhook payloads too.
SENDER_TYPE_VALUES: dict[SenderType, tuple[str, ...]] = {
    SenderType.CONTACT: ("contact",),
    SenderType.AGENT: ("user", "agent"),
    SenderType.BOT: ("agentbot", "agent_bot", "bot"),
}


def conversation_conditions(
    scope: ProjectScope, filters: SearchFilters
) -> list[ColumnElement[bool]]:
    return [
        conversation_in_scope(scope),
        *conversation_facet_conditions(
            contact_ids=filters.contact_ids,
            statuses=[str(s) for s in filters.statuses or ()],
            labels=filters.labels,
            labels_all=filters.labels_all,
            conversation_attributes=filters.conversation_attributes,
            contact_attributes=filters.contact_attributes,
            contact_labels=filters.contact_labels,
            contact_labels_all=filters.contact_labels_all,
        ),
    ]


def _has_conversation_filters(filters: SearchFilters) -> bool:
    return bool(
        filters.contact_ids
        or filters.statuses
        or filters.labels
        or filters.labels_all
        or filters.contact_labels
        or filters.contact_labels_all
        or filters.contact_attributes
        or filters.conversation_attributes
    )


def chunk_conditions(
    scope: ProjectScope,
    filters: SearchFilters,
    sources: Collection[SearchSource] = (SearchSource.CONVERSATIONS,),
) -> list[ColumnElement[bool]]:
    """Searchable chunks (embedded, in scope, from ``sources``) that pass every filter.

    A message filter (inbox, conversation, sender, dates, conversation facets) leaves
    knowledge chunks out, a knowledge filter (category, locale, metadata) message chunks.
    """
    conditions: list[ColumnElement[bool]] = [
        RagChunk.embedding_status == EmbeddingStatus.READY,
        chunks_in_scope(scope, kinds_of(sources)),
        *knowledge_conditions(filters),
    ]
    if not filters.include_private:
        conditions.append(RagChunk.private.is_(False))
    if filters.account_ids:
        conditions.append(RagChunk.account_id.in_(filters.account_ids))
    if filters.inbox_ids:
        conditions.append(RagChunk.inbox_id.in_(filters.inbox_ids))
    if filters.conversation_ids:
        conditions.append(RagChunk.conversation_global_id.in_(filters.conversation_ids))
    if filters.sender_types:
        values = [v for t in filters.sender_types for v in SENDER_TYPE_VALUES[t]]
        conditions.append(func.lower(RagChunk.sender_type).in_(values))
    if filters.message_types:
        conditions.append(RagChunk.message_type.in_([str(t) for t in filters.message_types]))
    if filters.created_after is not None:
        conditions.append(RagChunk.message_created_at >= filters.created_after)
    if filters.created_before is not None:
        conditions.append(RagChunk.message_created_at < filters.created_before)
    if _has_conversation_filters(filters):
        matching = select(CwConversation.id).where(*conversation_conditions(scope, filters))
        conditions.append(
            RagChunk.conversation_global_id == any_(func.array(matching.scalar_subquery()))
        )
    return conditions


# Statements kept built per kind (functools.lru_cache over KeyedConditions and a shape):
# ~60 KiB each with its cache key, so at most ~25 MB for the keyword statistics, BM25 and
# lift statements together (measured with tracemalloc).
STATEMENTS = 128


@dataclass(frozen=True)
class KeyedConditions:
    """Conditions with what they were built from: two are equal when built from the same
    scope, filters and sources, so a statement built over them can be built once and reused
    (building one and its cache key took more CPU than Postgres spent on some: keyword.py).
    The conditions themselves are built when first read: a statement found built never
    reads them."""

    key: Hashable
    build: Callable[[], list[ColumnElement[bool]]] = field(compare=False)

    @cached_property
    def where(self) -> tuple[ColumnElement[bool], ...]:
        return tuple(self.build())


def _scope_key(scope: ProjectScope) -> Hashable:
    """What ``access.conditions`` read of a scope: one key for every user of a project."""
    return (scope.project_id, scope.sources)


def keyed_chunk_conditions(
    scope: ProjectScope,
    filters: SearchFilters,
    sources: Collection[SearchSource] = (SearchSource.CONVERSATIONS,),
) -> KeyedConditions:
    return KeyedConditions(
        key=(_scope_key(scope), filters.model_dump_json(), frozenset(sources)),
        build=lambda: chunk_conditions(scope, filters, sources),
    )


def keyed_conversation_conditions(scope: ProjectScope, filters: SearchFilters) -> KeyedConditions:
    return KeyedConditions(
        key=(_scope_key(scope), filters.model_dump_json()),
        build=lambda: conversation_conditions(scope, filters),
    )


def outside_conversation(conversation_id: str) -> ColumnElement[bool]:
    """Chunks of every other conversation (similar conversations leave out their source)."""
    return RagChunk.conversation_global_id != conversation_id
