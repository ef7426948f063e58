"""Turns stored rows into the API's hit shapes (pure)."""

from __future__ import annotations

import html
from collections.abc import Sequence

from pydantic import HttpUrl

from parley_search_api.conversations.presenters import context_message, conversation_summary
from parley_search_api.conversations.schemas import MessageRead
from parley_search_api.search.hit_repository import (
    HIGHLIGHT_START,
    HIGHLIGHT_STOP,
    ContextRow,
    HitRow,
)
from parley_search_api.search.knowledge_hits import KnowledgeHitRow
from parley_search_api.search.ranking import RankedHit
from parley_search_api.search.schemas import (
    DocumentSummary,
    HitContext,
    HitKind,
    Scores,
    SearchHit,
)


def safe_highlight(headline: str | None) -> str | None:
    """HTML-escaped text with ``<mark>`` around matches: safe to render as HTML."""
    if headline is None:
        return None
    escaped = html.escape(headline, quote=False)
    return escaped.replace(HIGHLIGHT_START, "<mark>").replace(HIGHLIGHT_STOP, "</mark>")


def hit_context(rows: Sequence[ContextRow]) -> HitContext:
    before = [context_message(r) for r in rows if r.side == "before"]
    after = [context_message(r) for r in rows if r.side == "after"]
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
        kind=HitKind.MESSAGE,
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
        scores=scores(ranked),
        context=hit_context(context) if context is not None else None,
    )


def knowledge_hit(ranked: RankedHit, row: KnowledgeHitRow) -> SearchHit:
    return SearchHit(
        chunk_id=row.chunk_id,
        kind=HitKind(row.kind),
        text=row.text,
        highlight=safe_highlight(row.highlight),
        message=None,
        conversation=None,
        document=DocumentSummary(
            id=row.document_id,
            title=row.title,
            url=row.url,
            category=row.category,
            locale=row.locale,
            version=row.version,
        ),
        heading_path=row.heading_path,
        page_number=row.page_number,
        scores=scores(ranked),
        context=None,
    )


def scores(ranked: RankedHit) -> Scores:
    return Scores(
        fused=ranked.fused,
        semantic=ranked.components.get("semantic"),
        keyword=ranked.components.get("keyword"),
        lift=ranked.components.get("lift"),
    )
