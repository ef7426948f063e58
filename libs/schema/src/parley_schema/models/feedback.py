"""Agents' ratings of what Parley showed them: answer drafts and search hits (search-api's)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from parley_schema.models.base import Base, created_at_column, updated_at_column


class FeedbackTargetKind(StrEnum):
    ANSWER = "answer"  # the draft for a conversation: id is the conversation's global id
    CONVERSATION = "conversation"  # a similar conversation: cw:<account>:<id>
    MESSAGE = "message"  # a message hit: cwmsg:<account>:<id>
    ARTICLE = "article"  # a Help Center article hit: cwart:<account>:<id>
    DOCUMENT = "document"  # an uploaded document hit: kbdoc:<uuid>


class FeedbackRating(StrEnum):
    UP = "up"
    DOWN = "down"


def _one_of(column: str, values: type[StrEnum]) -> str:
    return "{} IN ({})".format(column, ", ".join(f"'{v}'" for v in values))


class Feedback(Base):
    """One rating per (project, user, target): an agent's latest opinion of one thing.

    The target's conversation (the rated conversation, a draft's conversation or a message's)
    and the conversation the agent had open are foreign keys that cascade, so feedback leaves
    with the conversation it names (erasure, retention, Chatwoot deletions); a rated
    knowledge document likewise."""

    __tablename__ = "feedback"
    __table_args__ = (
        CheckConstraint(_one_of("target_kind", FeedbackTargetKind), name="target_kind"),
        CheckConstraint(_one_of("rating", FeedbackRating), name="rating"),
        Index(
            "uq_feedback_project_id_user_id_target",
            "project_id",
            "user_id",
            "target_kind",
            "target_id",
            unique=True,
        ),
        Index("ix_feedback_project_id_target", "project_id", "target_kind", "target_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, server_default=text("gen_random_uuid()")
    )
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_users.id", ondelete="CASCADE"))
    target_kind: Mapped[str] = mapped_column(Text)
    target_id: Mapped[str] = mapped_column(Text)
    target_conversation_id: Mapped[str | None] = mapped_column(
        ForeignKey("cw_conversations.id", ondelete="CASCADE"), index=True
    )
    target_document_id: Mapped[str | None] = mapped_column(
        ForeignKey("kb_documents.global_id", ondelete="CASCADE"), index=True
    )
    conversation_id: Mapped[str | None] = mapped_column(  # the one open when rating
        ForeignKey("cw_conversations.id", ondelete="CASCADE"), index=True
    )
    rating: Mapped[str] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()
