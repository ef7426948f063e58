"""What an answer may cite, retrieved through the search service: the resolving agent
replies of similar resolved conversations, and knowledge passages (articles, documents).

The reply side searches resolved conversations (every public message counts: the customer's
words match a question best), one hit per conversation, and cites each conversation's
resolution as similar conversations pick it (``similar_repository.resolutions``: its public
agent reply nearest to the question)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from parley_search_api.access.scope import ProjectScope
from parley_search_api.search.active_model import ActiveModel
from parley_search_api.search.schemas import (
    ConversationStatus,
    GroupBy,
    HitKind,
    SearchFilters,
    SearchHit,
    SearchRequest,
    SearchSource,
)
from parley_search_api.search.service import SearchService
from parley_search_api.similar.repository import similar_repository

KNOWLEDGE_SOURCES = (SearchSource.ARTICLES, SearchSource.DOCUMENTS)
# The reply side: resolved conversations' public messages, whatever the filters say.
_RESOLVED_PUBLIC = {"statuses": [ConversationStatus.RESOLVED], "include_private": False}


@dataclass(frozen=True)
class Evidence:
    kind: HitKind
    id: str  # what a citation names: the message's or the document's global id
    text: str
    url: str | None
    score: float  # cosine similarity to the question (0 when only its words matched)


@dataclass(frozen=True)
class Retrieved:
    replies: tuple[Evidence, ...]  # best first
    knowledge: tuple[Evidence, ...]  # best first

    @property
    def all(self) -> tuple[Evidence, ...]:
        return self.replies + self.knowledge

    @property
    def confidence(self) -> float:
        """The best similarity retrieved, within [0, 1] (0: nothing)."""
        return max((max(0.0, min(1.0, e.score)) for e in self.all), default=0.0)


def _evidence(hit: SearchHit) -> Evidence | None:
    score = hit.scores.semantic or 0.0
    if hit.kind is HitKind.MESSAGE and hit.message is not None:
        url = hit.conversation.url if hit.conversation is not None else None
        return Evidence(hit.kind, hit.message.id, hit.text, url, score)
    if hit.document is not None:
        return Evidence(hit.kind, hit.document.id, hit.text, hit.document.url, score)
    return None


def _distinct(hits: Sequence[SearchHit], limit: int) -> tuple[Evidence, ...]:
    """One passage per cited id (a long message or document has several chunks): its best."""
    found: dict[str, Evidence] = {}
    for hit in hits:
        evidence = _evidence(hit)
        if evidence is not None and evidence.id not in found:
            found[evidence.id] = evidence
    return tuple(found.values())[:limit]


class Retriever:
    def __init__(self, *, search: SearchService, models: ActiveModel, passages: int) -> None:
        self._search = search
        self._models = models  # search's own: the question's vector comes from its cache
        self._passages = passages

    async def retrieve(
        self,
        session: AsyncSession,
        scope: ProjectScope,
        question: str,
        *,
        filters: SearchFilters,
        sources: Sequence[SearchSource],
        exclude_conversation: str | None = None,
    ) -> Retrieved:
        """The best passages for ``question`` per side; ``exclude_conversation``: the one
        being answered (its own replies are no precedent)."""
        replies: tuple[Evidence, ...] = ()
        if SearchSource.CONVERSATIONS in sources:
            replies = await self._replies(session, scope, question, filters, exclude_conversation)
        knowledge: tuple[Evidence, ...] = ()
        wanted = [source for source in KNOWLEDGE_SOURCES if source in sources]
        if wanted:
            private_off = filters.model_copy(update={"include_private": False})
            hits = await self._hits(session, scope, question, private_off, wanted)
            knowledge = _distinct(hits, self._passages)
        return Retrieved(replies=replies, knowledge=knowledge)

    async def _replies(
        self,
        session: AsyncSession,
        scope: ProjectScope,
        question: str,
        filters: SearchFilters,
        exclude_conversation: str | None,
    ) -> tuple[Evidence, ...]:
        hits = await self._hits(
            session,
            scope,
            question,
            filters.model_copy(update=_RESOLVED_PUBLIC),
            [SearchSource.CONVERSATIONS],
            group_by=GroupBy.CONVERSATION,
        )
        similar = [
            (hit.conversation, hit.scores.semantic or 0.0)
            for hit in hits
            if hit.conversation is not None and hit.conversation.id != exclude_conversation
        ]
        active = (await self._models.get(session)).active  # a fused search's nearest too
        resolutions = await similar_repository.resolutions(
            session,
            conversation_ids=[conversation.id for conversation, _ in similar],
            vector=await active.embedder.embed(question),
            model=active.vectors,
        )
        found = [
            Evidence(HitKind.MESSAGE, reply.id, reply.content, conversation.url, score)
            for conversation, score in similar
            if (reply := resolutions.get(conversation.id)) is not None and reply.content
        ]
        return tuple(found[: self._passages])

    async def _hits(
        self,
        session: AsyncSession,
        scope: ProjectScope,
        question: str,
        filters: SearchFilters,
        sources: list[SearchSource],
        group_by: GroupBy = GroupBy.NONE,
    ) -> list[SearchHit]:
        # Room for an excluded conversation, unresolved ones, several chunks per document.
        request = SearchRequest(
            q=question,
            filters=filters,
            sources=sources,
            group_by=group_by,
            limit=4 * self._passages + 1,
        )
        return (await self._search.search(session, scope, request)).hits
