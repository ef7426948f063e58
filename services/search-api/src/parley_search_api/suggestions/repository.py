"""SQL of suggestions: a message's facts, and the conversation's suggestion slot."""

from __future__ import annotations

from datetime import timedelta

from parley_schema.models import CwConversation, CwMessage, SuggestionPost
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from parley_search_api.suggestions.rules import MessageFacts


class SuggestionRepository:
    async def facts(self, session: AsyncSession, message_id: str) -> MessageFacts | None:
        row = (
            await session.execute(
                select(
                    CwConversation.id.label("conversation_id"),
                    CwConversation.account_id,
                    CwConversation.conversation_id.label("display_id"),
                    CwConversation.status.label("conversation_status"),
                    CwMessage.message_type,
                    CwMessage.sender_type,
                    CwMessage.private,
                    CwMessage.deleted_at.is_not(None).label("deleted"),
                    CwMessage.created_at,
                    CwMessage.content,
                )
                .select_from(CwMessage)
                .join(CwConversation, CwConversation.id == CwMessage.conversation_global_id)
                .where(CwMessage.id == message_id)
            )
        ).one_or_none()
        if row is None or row.account_id is None or row.display_id is None:
            return None
        return MessageFacts(**row._mapping)

    async def slot_taken(
        self, session: AsyncSession, conversation_id: str, message_id: str, interval: timedelta
    ) -> bool:
        """Whether the conversation had a note within ``interval``, or one for this very
        message (a redelivery); read without a lock, so only a hint (see ``claim``)."""
        taken = await session.scalar(
            select(SuggestionPost.conversation_id).where(
                SuggestionPost.conversation_id == conversation_id,
                (SuggestionPost.last_posted_at > func.now() - interval)
                | (SuggestionPost.message_id == message_id),
            )
        )
        return taken is not None

    async def claim(
        self, session: AsyncSession, conversation_id: str, message_id: str, interval: timedelta
    ) -> bool:
        """Take the conversation's slot for ``message_id``: True when no note was posted in
        the last ``interval`` and none for this message. One statement, so two replicas
        cannot both win: the loser's upsert waits on the winner's row lock, then finds the
        condition false. The row stays locked until the caller's transaction ends."""
        statement = insert(SuggestionPost).values(
            conversation_id=conversation_id, message_id=message_id, last_posted_at=func.now()
        )
        claimed = await session.scalar(
            statement.on_conflict_do_update(
                index_elements=["conversation_id"],
                set_={
                    "last_posted_at": func.now(),
                    "message_id": statement.excluded.message_id,
                    "note_message_id": None,
                },
                where=(SuggestionPost.last_posted_at <= func.now() - interval)
                & (SuggestionPost.message_id != statement.excluded.message_id),
            ).returning(SuggestionPost.conversation_id)
        )
        return claimed is not None

    async def record_note(
        self, session: AsyncSession, conversation_id: str, note_message_id: int
    ) -> None:
        await session.execute(
            update(SuggestionPost)
            .where(SuggestionPost.conversation_id == conversation_id)
            .values(note_message_id=note_message_id)
        )


suggestion_repository = SuggestionRepository()
