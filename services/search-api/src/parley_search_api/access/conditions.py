"""SQL conditions that keep a query inside the caller's project: isolation in one place.

Every read (search candidates, a conversation, similar conversations) starts from these.
"""

from __future__ import annotations

from parley_schema.models import CwConversation, RagChunk
from sqlalchemy import ColumnElement, and_, false, or_
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
    return _in_sources(scope, RagChunk.account_id, RagChunk.inbox_id)


def conversation_in_scope(scope: ProjectScope) -> ColumnElement[bool]:
    return _in_sources(scope, CwConversation.account_id, CwConversation.inbox_id)
