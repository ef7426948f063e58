"""Turns stored rows into the API's hit shapes (pure)."""

from __future__ import annotations

import html
from collections.abc import Sequence

from pydantic import HttpUrl

from parley_search_api.search.hit_repository import (
    HIGHLIGHT_START,
    HIGHLIGHT_STOP,
    ContextRow,
    ConversationFacts,
    HitRow,
)
from parley_search_api.search.ranking import RankedHit
from parley_search_api.search.schemas import (
    ContactRead,
    ContextMessage,
    ConversationSummary,
    HitContext,
    MessageRead,
    Scores,
    SearchHit,
)


def safe_highlight(headline: str | None) -> str | None:
    """HTML-escaped text with ``<mark>`` around matches: safe to render as HTML."""
    if headline is None:
        return None
    escaped = html.escape(headline, quote=False)
    return escaped.replace(HIGHLIGHT_START, "<mark>").replace(HIGHLIGHT_STOP, "</mark>")


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


def context_message(row: ContextRow) -> ContextMessage:
    return ContextMessage(
        id=row.id,
        sender_type=row.sender_type,
        sender_name=row.sender_name,
        message_type=row.message_type,
        private=row.private,
        created_at=row.created_at,
        content=row.content,
    )


def hit_context(rows: Sequence[ContextRow]) -> HitContext:
    message = context_message
    before = [message(r) for r in rows if r.side == "before"]
    after = [message(r) for r in rows if r.side == "after"]
    return HitContext(before=before[::-1], after=after)


def search_hit(
    ranked: RankedHit,
    row: HitRow,
    *,
    base_url: HttpUrl | None,
    context: Sequence[ContextRow] | None,
) -> SearchHit:
    return SearchHit(
        chunk_id=row.chunk_id,
        text=row.text,
        highlight=safe_highlight(row.highlight),
        message=MessageRead(
            id=row.message_id,
            sender_type=row.sender_type,
            sender_name=row.sender_name,
            message_type=row.message_type,
            private=row.private,
            created_at=row.message_created_at,
        ),
        conversation=conversation_summary(row.conversation, base_url),
        scores=Scores(
            fused=ranked.fused,
            semantic=ranked.components.get("semantic"),
            keyword=ranked.components.get("keyword"),
            lift=ranked.components.get("lift"),
        ),
        context=hit_context(context) if context is not None else None,
    )
