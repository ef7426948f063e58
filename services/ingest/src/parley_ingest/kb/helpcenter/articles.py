"""One Chatwoot Help Center article (``api/v1/accounts/articles/_article.json.jbuilder``) as
a knowledge document: id, title, ``content`` (Markdown), ``status`` (``draft``,
``published``, ``archived``), ``updated_at`` (unix seconds), ``locale``, ``slug``, ``meta``
(``title``, ``description``, ``tags``) and ``category`` ``{id, name, slug, locale}``."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from parley_schema.models import DocumentSource

from parley_ingest.kb.errors import UnreadableDocument
from parley_ingest.kb.identity import article_global_id
from parley_ingest.kb.parsers import parse_markdown
from parley_ingest.kb.store import DocumentWrite

PUBLISHED = "published"
DRAFT = "draft"
ARCHIVED = "archived"
_NOT_SLUG = re.compile(r"[^a-z0-9_-]+")
CATEGORY_MAX_CHARS = 40


def updated_at(article: dict[str, Any]) -> datetime | None:
    value = article.get("updated_at")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    return None


def is_searchable(article: dict[str, Any], *, include_drafts: bool) -> bool:
    status = article.get("status")
    return status == PUBLISHED or (include_drafts and status == DRAFT)


def category_slug(article: dict[str, Any]) -> str:
    """The article's Chatwoot category as a Parley category slug (``general`` without one)."""
    category = article.get("category")
    raw = category.get("slug") or category.get("name") if isinstance(category, dict) else None
    if not isinstance(raw, str):
        return "general"
    slug = _NOT_SLUG.sub("-", raw.lower()).strip("-_")[:CATEGORY_MAX_CHARS]
    if not slug or not slug[0].isalpha():
        return "general"
    return slug


def _locale(article: dict[str, Any], portal: dict[str, Any]) -> str | None:
    category = article.get("category")
    config = portal.get("config")
    for candidate in (
        article.get("locale"),
        category.get("locale") if isinstance(category, dict) else None,
        config.get("default_locale") if isinstance(config, dict) else None,
    ):
        if isinstance(candidate, str) and candidate:
            return candidate
    return None


def _metadata(article: dict[str, Any], portal_slug: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"portal": portal_slug}
    category = article.get("category")
    if isinstance(category, dict) and isinstance(category.get("name"), str):
        meta["chatwoot_category"] = category["name"]
    article_meta = article.get("meta")
    tags = article_meta.get("tags") if isinstance(article_meta, dict) else None
    if isinstance(tags, list) and all(isinstance(tag, str) for tag in tags) and tags:
        meta["tags"] = tags
    return meta


def article_url(base_url: str, portal_slug: str, article: dict[str, Any]) -> str | None:
    """The public page of the article (Chatwoot's ``/hc/<portal>/articles/<slug>``)."""
    slug = article.get("slug")
    if not isinstance(slug, str) or not slug:
        return None
    return f"{base_url.rstrip('/')}/hc/{quote(portal_slug, safe='')}/articles/{quote(slug)}"


def article_write(
    account_id: int, portal: dict[str, Any], article: dict[str, Any], *, base_url: str
) -> DocumentWrite:
    """The document of a searchable article (its id is an int, checked by the caller)."""
    portal_slug = str(portal["slug"])
    content = article.get("content")
    body, error = None, None
    try:
        body = parse_markdown(content if isinstance(content, str) else "")
    except UnreadableDocument as unreadable:
        error = f"the article has no text ({unreadable.message})"
    title = article.get("title")
    return DocumentWrite(
        global_id=article_global_id(account_id, article["id"]),
        source=DocumentSource.ARTICLE,
        title=title if isinstance(title, str) and title.strip() else f"Article {article['id']}",
        body=body,
        processing_error=error,
        category=category_slug(article),
        locale=_locale(article, portal),
        meta=_metadata(article, portal_slug),
        url=article_url(base_url, portal_slug, article),
        account_id=account_id,
        portal_slug=portal_slug,
        external_id=article["id"],
        source_status=str(article.get("status")),
        data=article,
        source_updated_at=updated_at(article),
    )
