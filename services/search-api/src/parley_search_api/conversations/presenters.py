"""Turns conversation rows into the API's shapes (pure)."""

from __future__ import annotations

from pydantic import HttpUrl

from parley_search_api.conversations.rows import ConversationFacts, MessageRow
from parley_search_api.conversations.schemas import ContactRead, ContextMessage, ConversationSummary


def chatwoot_url(
    base: HttpUrl | None, account_id: int | None, display_id: int | None
) -> str | None:
    if base is None or account_id is None or display_id is None:
        return None
    return f"{str(base).rstrip('/')}/app/accounts/{account_id}/conversations/{display_id}"


def conversation_summary(facts: ConversationFacts, base_url: HttpUrl | None) -> ConversationSummary:
    return ConversationSummary(
        id=facts.id,
        display_id=facts.display_id,
        account_id=facts.account_id,
        inbox_id=facts.inbox_id,
        status=facts.status,
        labels=facts.labels,
        contact=(
            ContactRead(id=facts.contact_id, name=facts.contact_name) if facts.contact_id else None
        ),
        url=chatwoot_url(base_url, facts.account_id, facts.display_id),
    )


def context_message(row: MessageRow) -> ContextMessage:
    return ContextMessage.model_validate(row, from_attributes=True)
