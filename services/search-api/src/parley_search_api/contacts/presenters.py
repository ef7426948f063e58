"""Turns contact rows into the API's shapes (pure)."""

from __future__ import annotations

from pydantic import HttpUrl

from parley_search_api.contacts.repository import ContactRow
from parley_search_api.contacts.schemas import ContactListItem


def chatwoot_contact_url(base: HttpUrl | None, account_id: int, contact_id: int) -> str | None:
    if base is None:
        return None
    return f"{str(base).rstrip('/')}/app/accounts/{account_id}/contacts/{contact_id}"


def contact_item(row: ContactRow, base_url: HttpUrl | None) -> ContactListItem:
    return ContactListItem(
        id=row.id,
        account_id=row.account_id,
        contact_id=row.contact_id,
        name=row.name,
        email=row.email,
        phone_number=row.phone_number,
        identifier=row.identifier,
        custom_attributes=row.custom_attributes,
        labels=list(row.labels or []),
        conversation_count=row.conversation_count,
        last_activity_at=row.last_activity_at,
        url=chatwoot_contact_url(base_url, row.account_id, row.contact_id),
    )
