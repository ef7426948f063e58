"""Handoffs of the conversations a caller may see: opened by answers, listed, moved on."""

from __future__ import annotations

import uuid

from parley_schema.models import Handoff, HandoffStatus
from sqlalchemy.ext.asyncio import AsyncSession

from parley_search_api.access.conditions import conversation_in_scope
from parley_search_api.access.scope import ProjectScope
from parley_search_api.answers.schemas import Escalation
from parley_search_api.handoffs.errors import HandoffNotFound, HandoffTransitionRefused
from parley_search_api.handoffs.repository import handoff_repository
from parley_search_api.handoffs.schemas import (
    TRANSITIONS,
    HandoffList,
    HandoffQuery,
    HandoffRead,
    HandoffUpdate,
)
from parley_search_api.paging import page_of, request_page


def _read(handoff: Handoff) -> HandoffRead:
    return HandoffRead(
        id=handoff.id,
        conversation_id=handoff.conversation_global_id,
        recommended=handoff.recommended,
        reason=handoff.reason,
        reasons=handoff.reasons,
        provider=handoff.provider,
        status=HandoffStatus(handoff.status),
        created_at=handoff.created_at,
        updated_at=handoff.updated_at,
    )


def _not_found(handoff_id: uuid.UUID) -> HandoffNotFound:
    return HandoffNotFound(f"no handoff {handoff_id} in this project", field="handoff_id")


class HandoffService:
    async def recommend(
        self, session: AsyncSession, conversation_id: str, escalation: Escalation
    ) -> uuid.UUID:
        """The conversation's open handoff (idempotent: one while it is not resolved); the
        caller has checked that the conversation is theirs to see."""
        reasons = [reason.model_dump(mode="json") for reason in escalation.reasons]
        return await handoff_repository.open_for(
            session,
            conversation_id=conversation_id,
            reason="; ".join(f"{r['code']}: {r['detail']}" for r in reasons),
            reasons=reasons,
        )

    async def list(
        self, session: AsyncSession, scope: ProjectScope, query: HandoffQuery
    ) -> HandoffList:
        page = request_page(query, cursor=query.cursor, limit=query.limit)
        rows = await handoff_repository.page(
            session,
            in_scope=conversation_in_scope(scope),
            statuses=query.status,
            conversation_id=query.conversation_id,
            offset=page.offset,
            limit=page.limit + 1,
        )
        shown, next_cursor = page_of(page, rows)
        return HandoffList(handoffs=[_read(h) for h in shown], next_cursor=next_cursor)

    async def update(
        self,
        session: AsyncSession,
        scope: ProjectScope,
        handoff_id: uuid.UUID,
        body: HandoffUpdate,
    ) -> HandoffRead:
        handoff = await handoff_repository.get(session, handoff_id, conversation_in_scope(scope))
        if handoff is None:
            raise _not_found(handoff_id)
        current = HandoffStatus(handoff.status)
        if body.status is current and body.provider in (None, handoff.provider):
            return _read(handoff)  # a repeated PATCH changes nothing
        allowed = TRANSITIONS[current]
        if body.status not in allowed:
            raise HandoffTransitionRefused(
                f"a {current.value} handoff cannot become {body.status.value}"
                + (f" (it can become {', '.join(sorted(allowed))})" if allowed else ""),
                field="status",
            )
        moved = await handoff_repository.move(
            session,
            handoff_id,
            status=body.status,
            from_statuses=[current],
            provider=body.provider,
        )
        if moved is None:  # changed by someone else since it was read
            raise HandoffTransitionRefused(
                f"the handoff changed meanwhile; it is no longer {current.value}", field="status"
            )
        return _read(moved)


handoff_service = HandoffService()
