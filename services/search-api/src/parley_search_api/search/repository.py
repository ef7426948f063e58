"""SQL of search: candidates per component, conversation lift, hit hydration, context."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from parley_schema.models import CwContact, CwConversation, RagChunk
from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from parley_search_api.search.lift_terms import LiftTerms
from parley_search_api.settings import TextSearchConfig

NAME_SIMILARITY_MIN = 0.7
MIN_TYPO_QUERY_CHARS = 4


@dataclass(frozen=True)
class Candidate:
    chunk_id: uuid.UUID
    conversation_id: str
    score: float


def unaccented_text() -> ColumnElement[str]:
    return func.parley_unaccent(RagChunk.text)


def text_vector(config: TextSearchConfig) -> ColumnElement[Any]:
    """The stored ``text_tsv`` (english, unaccented), or exactly the expression of the
    ``ix_rag_chunks_fts_<config>`` index for other configurations."""
    if config is TextSearchConfig.ENGLISH:
        return RagChunk.text_tsv  # type: ignore[return-value]
    regconfig: ColumnElement[Any] = literal_column(f"'{config.value}'::regconfig")
    return func.to_tsvector(regconfig, unaccented_text())


def text_query(config: TextSearchConfig, query: str) -> ColumnElement[Any]:
    regconfig: ColumnElement[Any] = literal_column(f"'{config.value}'::regconfig")
    return func.websearch_to_tsquery(regconfig, func.parley_unaccent(literal(query)))


class SearchRepository:
    async def tune(
        self,
        session: AsyncSession,
        *,
        ef_search: int,
        max_scan_tuples: int,
        trigram_threshold: float,
    ) -> None:
        """Transaction-local knobs: iterative HNSW scans keep recall under filters."""
        await session.execute(
            text(
                "SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true),"
                " set_config('hnsw.ef_search', :ef, true),"
                " set_config('hnsw.max_scan_tuples', :tuples, true),"
                " set_config('pg_trgm.word_similarity_threshold', :trgm, true)"
            ),
            {"ef": str(ef_search), "tuples": str(max_scan_tuples), "trgm": str(trigram_threshold)},
        )

    def semantic_statement(
        self,
        *,
        vector: Sequence[float],
        model: str,
        conditions: Sequence[ColumnElement[bool]],
        limit: int,
    ) -> Select[uuid.UUID, str | None, float]:
        distance = RagChunk.embedding.cosine_distance(vector)
        return (
            select(RagChunk.id, RagChunk.conversation_global_id, (1 - distance).label("score"))
            .where(RagChunk.embedding_model == model, *conditions)
            .order_by(distance)
            .limit(limit)
        )

    async def semantic(
        self,
        session: AsyncSession,
        *,
        vector: Sequence[float],
        model: str,
        conditions: Sequence[ColumnElement[bool]],
        limit: int,
    ) -> list[Candidate]:
        statement = self.semantic_statement(
            vector=vector, model=model, conditions=conditions, limit=limit
        )
        rows = await session.execute(statement)
        return [Candidate(i, c or "", float(s)) for i, c, s in rows]

    async def keyword(
        self,
        session: AsyncSession,
        *,
        query: str,
        config: TextSearchConfig,
        conditions: Sequence[ColumnElement[bool]],
        limit: int,
        rank_limit: int,
        typo_fallback_below: int,
    ) -> list[Candidate]:
        """Full-text matches, accent-blind; when they are few, misspelled matches too.

        The score is the full-text rank (normalised to [0, 1)) plus the trigram word
        similarity of the query to the text, so exact identifiers rank first. Trigram-only
        matches (pg_trgm ``<%``, for typos) score by word similarity alone, below any full-text
        match of the same similarity, and are looked for only when full text found fewer than
        ``typo_fallback_below`` chunks, so common words do not flood the results.

        At most ``rank_limit`` matches are ranked, the first the index scan finds: each one
        is a heap visit, and a common word matches a large part of the table (each of
        bench/search's common words is in 30 % of its chunks). Identifiers and rare words,
        where keyword search beats dense search, match far fewer rows than that.
        """
        tsquery = text_query(config, query)
        plain = func.parley_unaccent(literal(query))
        document = text_vector(config)
        matches = document.bool_op("@@")(tsquery)
        matched = (
            select(
                RagChunk.id,
                RagChunk.conversation_global_id,
                RagChunk.text,
                document.label("document"),
            )
            .where(matches, *conditions)
            .limit(rank_limit)
            .subquery()
        )
        # Rank the matches by full text (cheap: stored vector), then add the trigram
        # similarity only for the best few (word_similarity is costly per row).
        rank = func.ts_rank_cd(matched.c.document, tsquery, 32)
        ranked = (
            select(
                matched.c.id,
                matched.c.conversation_global_id,
                matched.c.text,
                rank.label("rank"),
            )
            .order_by(rank.desc(), matched.c.id)
            .limit(limit)
            .subquery()
        )
        score = (
            ranked.c.rank + func.word_similarity(plain, func.parley_unaccent(ranked.c.text))
        ).label("score")
        rows = await session.execute(
            select(ranked.c.id, ranked.c.conversation_global_id, score).order_by(
                score.desc(), ranked.c.id
            )
        )
        found = [Candidate(i, c or "", float(s)) for i, c, s in rows]
        if len(found) >= typo_fallback_below or len(query) < MIN_TYPO_QUERY_CHARS:
            return found
        typo_score = func.word_similarity(plain, unaccented_text()).label("score")
        rows = await session.execute(
            select(RagChunk.id, RagChunk.conversation_global_id, typo_score)
            .where(plain.bool_op("<%")(unaccented_text()), ~matches, *conditions)
            .order_by(typo_score.desc(), RagChunk.id)
            .limit(limit - len(found))
        )
        return found + [Candidate(i, c or "", float(s)) for i, c, s in rows]

    async def lifted_conversations(
        self,
        session: AsyncSession,
        *,
        query: str,
        terms: LiftTerms,
        conditions: Sequence[ColumnElement[bool]],
        limit: int,
    ) -> dict[str, float]:
        """Conversations whose display id or contact the query names, with a 0..1 score."""
        folded_query = func.parley_unaccent(func.lower(literal(query)))
        name_similarity = func.coalesce(
            func.word_similarity(func.parley_unaccent(func.lower(CwContact.name)), folded_query),
            0.0,
        )
        digits = func.regexp_replace(CwContact.phone_number, r"\D", "", "g")
        exact = or_(
            CwConversation.conversation_id.in_(terms.display_ids or [-1]),
            func.lower(CwContact.email).in_(terms.emails or [""]),
            digits.in_(terms.phone_digits or ["-"]),
            func.lower(CwContact.identifier).in_(terms.tokens or [""]),
        )
        score = case((exact, literal(1.0)), else_=cast(name_similarity, Float)).label("score")
        rows = await session.execute(
            select(CwConversation.id, score)
            .select_from(CwConversation)
            .outerjoin(CwContact, CwContact.id == CwConversation.contact_global_id)
            .where(
                *conditions,
                or_(
                    exact,
                    (func.length(CwContact.name) >= 3) & (name_similarity >= NAME_SIMILARITY_MIN),
                ),
            )
            .order_by(score.desc(), CwConversation.id)
            .limit(limit)
        )
        return {conversation_id: float(s) for conversation_id, s in rows}

    async def representative_chunks(
        self,
        session: AsyncSession,
        *,
        conversation_ids: Sequence[str],
        conditions: Sequence[ColumnElement[bool]],
        vector: Sequence[float] | None,
    ) -> list[Candidate]:
        """One searchable chunk per conversation: the nearest to the query, else the latest."""
        if not conversation_ids:
            return []
        order = (
            RagChunk.embedding.cosine_distance(vector)
            if vector is not None
            else RagChunk.message_created_at.desc().nulls_last()
        )
        rows = await session.execute(
            select(RagChunk.id, RagChunk.conversation_global_id)
            .ext(distinct_on(RagChunk.conversation_global_id))
            .where(RagChunk.conversation_global_id.in_(conversation_ids), *conditions)
            .order_by(RagChunk.conversation_global_id, order, RagChunk.id)
        )
        return [Candidate(i, c or "", 0.0) for i, c in rows]


search_repository = SearchRepository()
