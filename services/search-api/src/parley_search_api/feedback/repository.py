"""SQL of feedback: where a target lives (inside the caller's scope), the rating upsert and
the counts; every statement is limited to one project."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass

from parley_schema.models import (
    CwConversation,
    CwMessage,
    DocumentSource,
    Feedback,
    FeedbackRating,
    KbDocument,
)
from sqlalchemy import ColumnElement, delete, false, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from parley_search_api.access.conditions import conversation_in_scope
from parley_search_api.access.scope import ProjectScope


@dataclass(frozen=True)
class Counts:
    up: int
    down: int
    mine: str | None
    my_comment: str | None


@dataclass(frozen=True)
class Rated:
    """One feedback row's facts, as written."""

    project_id: uuid.UUID
    user_id: uuid.UUID
    target_kind: str
    target_id: str
    target_conversation_id: str | None
    target_document_id: str | None
    conversation_id: str | None
    rating: str
    comment: str | None


class FeedbackRepository:
    async def conversation(
        self, session: AsyncSession, scope: ProjectScope, global_id: str
    ) -> str | None:
        """``global_id`` when that conversation is in the caller's scope."""
        found: str | None = await session.scalar(
            select(CwConversation.id).where(
                CwConversation.id == global_id, conversation_in_scope(scope)
            )
        )
        return found

    async def message_conversation(
        self, session: AsyncSession, scope: ProjectScope, global_id: str
    ) -> str | None:
        """The conversation of a message the caller may read (not deleted; a private note
        only with the private right)."""
        conditions = [
            CwMessage.id == global_id,
            CwMessage.deleted_at.is_(None),
            conversation_in_scope(scope),
        ]
        if not scope.may_read_private:
            conditions.append(CwMessage.private.is_(False))
        found: str | None = await session.scalar(
            select(CwConversation.id)
            .select_from(CwMessage)
            .join(CwConversation, CwConversation.id == CwMessage.conversation_global_id)
            .where(*conditions)
        )
        return found

    async def document(
        self, session: AsyncSession, scope: ProjectScope, global_id: str, source: DocumentSource
    ) -> str | None:
        """``global_id`` when that searchable knowledge document is the caller's: an article
        of an account the project searches, or an upload of the project."""
        accounts = sorted({s.account_id for s in scope.sources})
        owner: ColumnElement[bool]
        if source is DocumentSource.ARTICLE:
            owner = KbDocument.account_id.in_(accounts) if accounts else false()
        else:
            owner = KbDocument.project_id == scope.project_id
        found: str | None = await session.scalar(
            select(KbDocument.global_id).where(
                KbDocument.global_id == global_id,
                KbDocument.source == source,
                KbDocument.archived_at.is_(None),
                owner,
            )
        )
        return found

    async def upsert(self, session: AsyncSession, rated: Rated) -> None:
        """The user's rating of the target, replacing the one they gave before."""
        statement = insert(Feedback).values(**asdict(rated))
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["project_id", "user_id", "target_kind", "target_id"],
                set_={
                    "rating": statement.excluded.rating,
                    "comment": statement.excluded.comment,
                    "conversation_id": statement.excluded.conversation_id,
                    "updated_at": func.now(),
                },
            )
        )

    async def withdraw(
        self,
        session: AsyncSession,
        scope: ProjectScope,
        target_kind: str,
        target_id: str,
    ) -> None:
        await session.execute(
            delete(Feedback).where(
                Feedback.project_id == scope.project_id,
                Feedback.user_id == scope.user_id,
                Feedback.target_kind == target_kind,
                Feedback.target_id == target_id,
            )
        )

    async def counts(
        self, session: AsyncSession, scope: ProjectScope, target_kind: str, target_id: str
    ) -> Counts:
        mine = Feedback.user_id == scope.user_id
        row = (
            await session.execute(
                select(
                    func.count().filter(Feedback.rating == FeedbackRating.UP).label("up"),
                    func.count().filter(Feedback.rating == FeedbackRating.DOWN).label("down"),
                    func.max(Feedback.rating).filter(mine).label("mine"),
                    func.max(Feedback.comment).filter(mine).label("my_comment"),
                ).where(
                    Feedback.project_id == scope.project_id,
                    Feedback.target_kind == target_kind,
                    Feedback.target_id == target_id,
                )
            )
        ).one()
        return Counts(up=row.up, down=row.down, mine=row.mine, my_comment=row.my_comment)


feedback_repository = FeedbackRepository()
