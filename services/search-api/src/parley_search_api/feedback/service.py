"""Feedback of the caller's active project: any member rates what they may see.

One rating per (project, user, target), replaced by the user's next one: an agent's vote
counts once however often they click, they may change their mind or withdraw it, and one
agent's rating never overwrites another's (seed 004 kept one per conversation, which would
let the last agent to click erase everyone else's opinion). Counts are the project's own:
another project rating the same Help Center article is another team.
"""

from __future__ import annotations

from dataclasses import dataclass

from parley_schema.models import DocumentSource, FeedbackRating, FeedbackTargetKind
from sqlalchemy.ext.asyncio import AsyncSession

from parley_search_api.access.scope import ProjectScope
from parley_search_api.conversations.errors import ConversationNotFound
from parley_search_api.feedback.errors import FeedbackTargetNotFound
from parley_search_api.feedback.repository import Rated, feedback_repository
from parley_search_api.feedback.schemas import FeedbackSummary, FeedbackTarget, FeedbackWrite

_DOCUMENT_SOURCES = {
    FeedbackTargetKind.ARTICLE: DocumentSource.ARTICLE,
    FeedbackTargetKind.DOCUMENT: DocumentSource.UPLOAD,
}


@dataclass(frozen=True)
class Located:
    """Where a target lives: its conversation or its knowledge document."""

    conversation_id: str | None = None
    document_id: str | None = None


class FeedbackService:
    async def rate(
        self, session: AsyncSession, scope: ProjectScope, body: FeedbackWrite
    ) -> FeedbackSummary:
        located = await self._locate(session, scope, body.target)
        context = body.conversation_id
        if body.target.kind is FeedbackTargetKind.ANSWER:
            context = context or body.target.id
        if (
            context is not None
            and context != located.conversation_id
            and await feedback_repository.conversation(session, scope, context) is None
        ):
            raise ConversationNotFound(
                f"no conversation {context} in this project", field="conversation_id"
            )
        await feedback_repository.upsert(
            session,
            Rated(
                project_id=scope.project_id,
                user_id=scope.user_id,
                target_kind=body.target.kind,
                target_id=body.target.id,
                target_conversation_id=located.conversation_id,
                target_document_id=located.document_id,
                conversation_id=context,
                rating=body.rating,
                comment=body.comment or None,
            ),
        )
        return await self._summary(session, scope, body.target)

    async def summary(
        self, session: AsyncSession, scope: ProjectScope, target: FeedbackTarget
    ) -> FeedbackSummary:
        await self._locate(session, scope, target)
        return await self._summary(session, scope, target)

    async def withdraw(
        self, session: AsyncSession, scope: ProjectScope, target: FeedbackTarget
    ) -> FeedbackSummary:
        await self._locate(session, scope, target)
        await feedback_repository.withdraw(session, scope, target.kind, target.id)
        return await self._summary(session, scope, target)

    async def _summary(
        self, session: AsyncSession, scope: ProjectScope, target: FeedbackTarget
    ) -> FeedbackSummary:
        counts = await feedback_repository.counts(session, scope, target.kind, target.id)
        return FeedbackSummary(
            target=target,
            up=counts.up,
            down=counts.down,
            mine=None if counts.mine is None else FeedbackRating(counts.mine),
            my_comment=counts.my_comment,
        )

    async def _locate(
        self, session: AsyncSession, scope: ProjectScope, target: FeedbackTarget
    ) -> Located:
        """The target, or FeedbackTargetNotFound when the caller may not see it."""
        located: Located | None = None
        if target.kind in (FeedbackTargetKind.ANSWER, FeedbackTargetKind.CONVERSATION):
            found = await feedback_repository.conversation(session, scope, target.id)
            located = None if found is None else Located(conversation_id=found)
        elif target.kind is FeedbackTargetKind.MESSAGE:
            found = await feedback_repository.message_conversation(session, scope, target.id)
            located = None if found is None else Located(conversation_id=found)
        else:
            source = _DOCUMENT_SOURCES[target.kind]
            found = await feedback_repository.document(session, scope, target.id, source)
            located = None if found is None else Located(document_id=found)
        if located is None:
            raise FeedbackTargetNotFound(
                f"no {target.kind} {target.id} in this project", field="target.id"
            )
        return located


feedback_service = FeedbackService()
