"""Chatwoot's Help Center as its REST API shows it: portals and articles, for the demo's
simulated Chatwoot and the ingest tests.

Shapes follow Chatwoot's views: ``GET /api/v1/accounts/{id}/portals`` →
``{"payload": [portal], "meta": {"current_page", "portals_count"}}`` (``_portal.json.jbuilder``:
id, name, slug, archived, account_id, config.default_locale, …);
``GET …/portals/{slug}/articles?page=N`` → ``{"payload": [article], "meta": {"current_page",
"articles_count", "published_count", "draft_articles_count", "archived_articles_count"}}``,
newest ``updated_at`` first, :data:`ARTICLES_PER_PAGE` a page (``ArticlesController#index``);
``GET …/articles/{id}`` → ``{"payload": article}`` or 404. An article
(``_article.json.jbuilder``): id, slug, title, content (Markdown), description, status
(``draft`` | ``published`` | ``archived``), position, account_id, updated_at (unix seconds),
meta, locale, category ``{id, name, slug, locale}``, views, author.

:class:`HelpCenter` answers requests as ``(status, body, headers)`` so any server can carry
it; ``rate_limit_next`` answers that many article requests with 429 and ``Retry-After``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

ARTICLES_PER_PAGE = 25
BASE_TIME = 1_767_000_000  # updated_at of the oldest demo article
Answer = tuple[int, dict[str, Any], dict[str, str]]
_NOT_FOUND: Answer = (404, {"error": "Resource could not be found"}, {})
_PORTALS_PATH = re.compile(r"^/api/v1/accounts/(\d+)/portals$")
_ARTICLES_PATH = re.compile(r"^/api/v1/accounts/(\d+)/portals/([^/]+)/articles(?:/(\d+))?$")


@dataclass
class Article:
    id: int
    portal: str
    title: str
    content: str
    category: str  # the category's name; its slug is derived
    locale: str = "en"
    status: str = "published"
    updated_at: int = BASE_TIME
    tags: tuple[str, ...] = ()

    def as_json(self, account_id: int, *, with_content: bool = True) -> dict[str, Any]:
        slug = re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-")
        category_slug = re.sub(r"[^a-z0-9]+", "-", self.category.lower()).strip("-")
        return {
            "id": self.id,
            "slug": f"{self.id}-{slug}"[:80],
            "title": self.title,
            "content": self.content if with_content else None,
            "description": self.content.split("\n\n")[-1][:140],
            "status": self.status,
            "position": self.id,
            "account_id": account_id,
            "updated_at": self.updated_at,
            "meta": {"tags": list(self.tags)} if self.tags else {},
            "locale": self.locale,
            "associated_article_id": None,
            "category": {
                "id": sum(map(ord, category_slug)) % 997,
                "name": self.category,
                "slug": category_slug,
                "locale": self.locale,
            },
            "views": self.id * 7 % 300,
            "author": {"id": 1, "name": "Dana Demo", "available_name": "Dana", "type": "user"},
            "associated_articles": [],
        }


@dataclass
class Portal:
    slug: str
    name: str
    default_locale: str = "en"
    archived: bool = False

    def as_json(self, portal_id: int, account_id: int) -> dict[str, Any]:
        return {
            "id": portal_id,
            "color": "#1f93ff",
            "custom_domain": None,
            "header_text": self.name,
            "homepage_link": None,
            "name": self.name,
            "page_title": self.name,
            "slug": self.slug,
            "archived": self.archived,
            "account_id": account_id,
            "config": {"allowed_locales": [], "default_locale": self.default_locale},
            "meta": {"default_locale": self.default_locale},
        }


@dataclass
class HelpCenter:
    """The portals and articles of one account; mutate ``articles`` to change Chatwoot."""

    account_id: int
    portals: list[Portal]
    articles: list[Article]
    list_content: bool = True  # False: listings carry no content (details must be read)
    rate_limit_next: int = 0
    requests: list[str] = field(default_factory=list)

    def answer(self, path: str, query: dict[str, str]) -> Answer | None:
        """The answer to ``GET path?query``, or None when the path is not the Help Center's."""
        if match := _PORTALS_PATH.match(path):
            if int(match.group(1)) != self.account_id:
                return _NOT_FOUND
            self.requests.append("portals")
            payload = [p.as_json(i + 1, self.account_id) for i, p in enumerate(self.portals)]
            return (
                200,
                {"payload": payload, "meta": {"current_page": 1, "portals_count": len(payload)}},
                {},
            )
        match = _ARTICLES_PATH.match(path)
        if match is None:
            return None
        account, slug, article_id = int(match.group(1)), match.group(2), match.group(3)
        if account != self.account_id or all(p.slug != slug for p in self.portals):
            return _NOT_FOUND
        if self.rate_limit_next:
            self.rate_limit_next -= 1
            self.requests.append("429")
            return 429, {"error": "Too many requests"}, {"Retry-After": "1"}
        if article_id is not None:
            self.requests.append(f"article {article_id}")
            found = next(
                (a for a in self.articles if a.portal == slug and a.id == int(article_id)), None
            )
            if found is None:
                return _NOT_FOUND
            return 200, {"payload": found.as_json(self.account_id)}, {}
        page = int(query.get("page", "1")) if query.get("page", "1").isdigit() else 1
        self.requests.append(f"{slug} page {page}")
        mine = sorted(
            (a for a in self.articles if a.portal == slug),
            key=lambda a: (a.updated_at, a.id),
            reverse=True,
        )
        chosen = mine[(page - 1) * ARTICLES_PER_PAGE : page * ARTICLES_PER_PAGE]
        meta = {
            "current_page": page,
            "articles_count": len(mine),
            "all_articles_count": len(mine),
            "published_count": sum(a.status == "published" for a in mine),
            "draft_articles_count": sum(a.status == "draft" for a in mine),
            "archived_articles_count": sum(a.status == "archived" for a in mine),
        }
        payload = [a.as_json(self.account_id, with_content=self.list_content) for a in chosen]
        return 200, {"payload": payload, "meta": meta}, {}
