"""SQL conditions that keep a query inside the caller's project: isolation in one place.

Every read (search candidates, a conversation, similar conversations, contact and
conversation listings, segments) starts from these. Message chunks are in scope through the
project's sources (an account, or one inbox of it); knowledge chunks through their owner: a
Help Center article through its account, whenever a source names that account (articles
belong to no inbox), an uploaded document through its project alone.
"""

from __future__ import annotations

from collections.abc import Collection

from parley_schema.models import ChunkKind, CwContact, CwConversation, RagChunk
from sqlalchemy import ColumnElement, and_, exists, false, or_, select
from sqlalchemy.sql.elements import SQLCoreOperations

from parley_search_api.access.scope import ProjectScope


def _in_sources(
    scope: ProjectScope,
    account: SQLCoreOperations[int | None],
    inbox: SQLCoreOperations[int | None],
) -> ColumnElement[bool]:
    if not scope.sources:
        return false()
    return or_(
        *(
            and_(account == source.account_id, inbox == source.inbox_id)
            if source.inbox_id is not None
            else account == source.account_id
            for source in scope.sources
        )
    )


def chunk_in_scope(scope: ProjectScope) -> ColumnElement[bool]:
    """Message chunks in scope (never a knowledge chunk: see ``chunks_in_scope``)."""
    return and_(
        RagChunk.kind == ChunkKind.MESSAGE,
        _in_sources(scope, RagChunk.account_id, RagChunk.inbox_id),
    )


def chunks_in_scope(scope: ProjectScope, kinds: Collection[ChunkKind]) -> ColumnElement[bool]:
    """Chunks of ``kinds`` in scope: messages by the sources, articles by the sources'
    accounts, uploaded documents by the project."""
    accounts = sorted({source.account_id for source in scope.sources})
    allowed: list[ColumnElement[bool]] = []
    if ChunkKind.MESSAGE in kinds:
        allowed.append(chunk_in_scope(scope))
    if ChunkKind.ARTICLE in kinds and accounts:
        allowed.append(and_(RagChunk.kind == ChunkKind.ARTICLE, RagChunk.account_id.in_(accounts)))
    if ChunkKind.DOCUMENT in kinds:
        allowed.append(
            and_(RagChunk.kind == ChunkKind.DOCUMENT, RagChunk.project_id == scope.project_id)
        )
    return or_(*allowed) if allowed else false()


def conversation_in_scope(scope: ProjectScope) -> ColumnElement[bool]:
    return _in_sources(scope, CwConversation.account_id, CwConversation.inbox_id)


def contact_in_scope(scope: ProjectScope) -> ColumnElement[bool]:
    """A contact of an account the project searches whole, or with a conversation in scope
    (a project limited to an inbox sees the contacts who wrote to it)."""
    whole_accounts = [s.account_id for s in scope.sources if s.inbox_id is None]
    in_scope_conversation = exists(
        select(CwConversation.id).where(
            CwConversation.contact_global_id == CwContact.id, conversation_in_scope(scope)
        )
    )
    if not whole_accounts:
        return in_scope_conversation if scope.sources else false()
    if len(whole_accounts) == len(scope.sources):
        return CwContact.account_id.in_(whole_accounts)
    return or_(CwContact.account_id.in_(whole_accounts), in_scope_conversation)
