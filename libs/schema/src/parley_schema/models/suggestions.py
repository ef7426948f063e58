"""Answer drafts pushed into Chatwoot as private notes: one row per conversation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from parley_schema.models.base import Base


class SuggestionPost(Base):
    """When Parley last claimed a conversation's suggestion slot, and for which message.

    A replica claims the slot with one conditional upsert (``last_posted_at`` older than the
    interval), so two replicas handling two messages of one conversation post one note."""

    __tablename__ = "suggestion_posts"

    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("cw_conversations.id", ondelete="CASCADE"), primary_key=True
    )
    last_posted_at: Mapped[datetime]
    message_id: Mapped[str] = mapped_column(Text)  # the customer message the note answers
    note_message_id: Mapped[int | None] = mapped_column(
        BigInteger
    )  # Chatwoot's id of the posted note (None: not yet)
