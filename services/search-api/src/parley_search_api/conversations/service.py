"""One conversation in order, and the rule that a conversation outside the project is unknown."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from parley_search_api.access.conditions import conversation_in_scope
from parley_search_api.access.scope import ProjectScope
from parley_search_api.conversations.errors import ConversationNotFound
from parley_search_api.conversations.presenters import context_message, conversation_summary
from parley_search_api.conversations.repository import conversation_repository
from parley_search_api.conversations.rows import ConversationFacts
from parley_search_api.conversations.schemas import ConversationRead
from parley_search_api.settings import SearchSettings


class ConversationService:
    def __init__(self, *, settings: SearchSettings) -> None:
        self._settings = settings

    async def facts(
        self, session: AsyncSession, scope: ProjectScope, global_id: str
    ) -> ConversationFacts:
        """The conversation, or ConversationNotFound when it is unknown or outside the project
        (the two answer alike, so ids cannot be probed)."""
        facts = await conversation_repository.facts(
            session, global_id, conversation_in_scope(scope)
        )
        if facts is None:
            raise ConversationNotFound(
                f"no conversation {global_id} in this project", field="global_id"
            )
        return facts

    async def get(
        self, session: AsyncSession, scope: ProjectScope, global_id: str, *, include_private: bool
    ) -> ConversationRead:
        scope.check_private(include_private)
        facts = await self.facts(session, scope, global_id)
        limit = self._settings.search_conversation_max_messages
        rows = await conversation_repository.messages(
            session, global_id, include_private=include_private, limit=limit + 1
        )
        return ConversationRead(
            conversation=conversation_summary(facts, self._settings.chatwoot_base_url),
            messages=[context_message(row) for row in rows[:limit]],
            truncated=len(rows) > limit,
        )
