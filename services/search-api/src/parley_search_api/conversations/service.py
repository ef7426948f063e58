"""One conversation in order, and the rule that a conversation outside the project is unknown;
conversation listings by their facts."""

from __future__ import annotations

from parley_schema.models import CwConversation
from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from parley_search_api.access.conditions import conversation_in_scope
from parley_search_api.access.scope import ProjectScope
from parley_search_api.contacts.schemas import Direction
from parley_search_api.conversations.conditions import conversation_facet_conditions
from parley_search_api.conversations.errors import ConversationNotFound
from parley_search_api.conversations.listing import (
    ConversationFilters,
    ConversationListItem,
    ConversationOrderField,
    ConversationSearchRequest,
    ConversationSearchResponse,
)
from parley_search_api.conversations.presenters import context_message, conversation_summary
from parley_search_api.conversations.repository import (
    CREATED_AT,
    LAST_ACTIVITY_AT,
    ListedConversation,
    conversation_repository,
)
from parley_search_api.conversations.rows import ConversationFacts
from parley_search_api.conversations.schemas import ConversationRead
from parley_search_api.paging import page_of, request_page
from parley_search_api.settings import SearchSettings


def listing_conditions(
    scope: ProjectScope, filters: ConversationFilters
) -> list[ColumnElement[bool]]:
    conditions = [
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
    if filters.account_ids:
        conditions.append(CwConversation.account_id.in_(filters.account_ids))
    if filters.inbox_ids:
        conditions.append(CwConversation.inbox_id.in_(filters.inbox_ids))
    if filters.assignee_ids:
        conditions.append(CwConversation.assignee_id.in_(filters.assignee_ids))
    if filters.unassigned is not None:
        unassigned = CwConversation.assignee_id.is_(None)
        conditions.append(unassigned if filters.unassigned else ~unassigned)
    for column, after, before in (
        (CREATED_AT, filters.created_after, filters.created_before),
        (LAST_ACTIVITY_AT, filters.last_activity_after, filters.last_activity_before),
    ):
        if after is not None:
            conditions.append(column >= after)
        if before is not None:
            conditions.append(column < before)
    return conditions


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

    async def search(
        self, session: AsyncSession, scope: ProjectScope, request: ConversationSearchRequest
    ) -> ConversationSearchResponse:
        page = request_page(request, cursor=request.cursor, limit=request.limit)
        column = (
            LAST_ACTIVITY_AT
            if request.order_by.field is ConversationOrderField.LAST_ACTIVITY_AT
            else CREATED_AT
        )
        order = column.asc() if request.order_by.direction is Direction.ASC else column.desc()
        rows = await conversation_repository.page(
            session,
            conditions=listing_conditions(scope, request.filters),
            order=order.nulls_last(),
            offset=page.offset,
            limit=page.limit + 1,
        )
        shown, next_cursor = page_of(page, rows)
        return ConversationSearchResponse(
            conversations=[self._item(row) for row in shown], next_cursor=next_cursor
        )

    def _item(self, row: ListedConversation) -> ConversationListItem:
        summary = conversation_summary(row.facts, self._settings.chatwoot_base_url)
        return ConversationListItem(
            **summary.model_dump(),
            assignee_id=row.assignee_id,
            custom_attributes=row.custom_attributes,
            created_at=row.created_at,
            last_activity_at=row.last_activity_at,
        )
