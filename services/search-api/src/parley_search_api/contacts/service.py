"""Contact segments: the caller's contacts that pass the filters, ordered, a page at a time."""

from __future__ import annotations

from typing import Any

from parley_schema.models import CwContact
from sqlalchemy import ColumnElement, UnaryExpression
from sqlalchemy.ext.asyncio import AsyncSession

from parley_search_api.access.conditions import contact_in_scope, conversation_in_scope
from parley_search_api.access.scope import ProjectScope
from parley_search_api.attributes.conditions import (
    CONTACT_ATTRIBUTES,
    attribute_number,
    attribute_text,
    contact_conditions,
)
from parley_search_api.contacts.presenters import contact_item
from parley_search_api.contacts.repository import contact_repository, text_match
from parley_search_api.contacts.schemas import (
    ContactOrder,
    ContactOrderField,
    ContactSearchRequest,
    ContactSearchResponse,
    Direction,
)
from parley_search_api.paging import page_of, request_page
from parley_search_api.settings import SearchSettings


def _ordered(expression: ColumnElement[Any], direction: Direction) -> UnaryExpression[Any]:
    ordered = expression.asc() if direction is Direction.ASC else expression.desc()
    return ordered.nulls_last()


def contact_order(order: ContactOrder) -> list[UnaryExpression[Any]]:
    """An attribute orders numbers (numeric strings too) first, then other text, then
    contacts without it; ``last_activity_at`` and ``name`` put missing values last."""
    if order.attribute is not None:
        return [
            _ordered(attribute_number(CONTACT_ATTRIBUTES, order.attribute), order.direction),
            _ordered(
                attribute_text(CONTACT_ATTRIBUTES, order.attribute).collate("C"), order.direction
            ),
        ]
    if order.field is ContactOrderField.LAST_ACTIVITY_AT:
        return [_ordered(CwContact.last_activity_at.expression, order.direction)]
    return [_ordered(CwContact.name.expression, order.direction)]


class ContactService:
    def __init__(self, *, settings: SearchSettings) -> None:
        self._settings = settings  # Chatwoot's base URL for deep links

    async def search(
        self, session: AsyncSession, scope: ProjectScope, request: ContactSearchRequest
    ) -> ContactSearchResponse:
        page = request_page(request, cursor=request.cursor, limit=request.limit)
        filters = request.filters
        conditions = [
            contact_in_scope(scope),
            *contact_conditions(
                filters.contact_attributes, filters.contact_labels, filters.contact_labels_all
            ),
        ]
        if filters.account_ids:
            conditions.append(CwContact.account_id.in_(filters.account_ids))
        if filters.contact_ids:
            conditions.append(CwContact.id.in_(filters.contact_ids))
        if request.q is not None:
            conditions.append(text_match(request.q))
        rows = await contact_repository.page(
            session,
            conditions=conditions,
            conversation_in_scope=conversation_in_scope(scope),
            order=contact_order(request.order_by),
            offset=page.offset,
            limit=page.limit + 1,
        )
        shown, next_cursor = page_of(page, rows)
        base_url = self._settings.chatwoot_base_url
        return ContactSearchResponse(
            contacts=[contact_item(row, base_url) for row in shown], next_cursor=next_cursor
        )
