"""SQL conditions on a conversation's own facts and its contact's: what search's
conversation-level filters and ``POST /v1/conversations/search`` share."""

from __future__ import annotations

from collections.abc import Sequence

from parley_schema.models import CwContact, CwConversation
from sqlalchemy import ColumnElement, select

from parley_search_api.attributes.conditions import (
    CONVERSATION_ATTRIBUTES,
    attribute_conditions,
    contact_conditions,
    conversation_label_conditions,
)
from parley_search_api.attributes.schemas import AttributeCondition


def conversation_facet_conditions(
    *,
    contact_ids: Sequence[str] | None,
    statuses: Sequence[str] | None,
    labels: Sequence[str] | None,
    labels_all: Sequence[str] | None,
    conversation_attributes: Sequence[AttributeCondition] | None,
    contact_attributes: Sequence[AttributeCondition] | None,
    contact_labels: Sequence[str] | None,
    contact_labels_all: Sequence[str] | None,
) -> list[ColumnElement[bool]]:
    """Conditions on ``cw_conversations``; the contact's become ``contact_global_id IN
    (SELECT id FROM cw_contacts WHERE …)``, served by the contacts' GIN indexes."""
    conditions: list[ColumnElement[bool]] = []
    if contact_ids:
        conditions.append(CwConversation.contact_global_id.in_(contact_ids))
    if statuses:
        conditions.append(CwConversation.status.in_(statuses))
    conditions += conversation_label_conditions(labels, labels_all)
    conditions += attribute_conditions(CONVERSATION_ATTRIBUTES, conversation_attributes)
    of_contact = contact_conditions(contact_attributes, contact_labels, contact_labels_all)
    if of_contact:
        conditions.append(
            CwConversation.contact_global_id.in_(select(CwContact.id).where(*of_contact))
        )
    return conditions
