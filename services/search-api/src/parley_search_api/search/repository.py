"""SQL of search: candidates per component, conversation lift, hit hydration, context."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from parley_schema.models import CwContact, CwConversation, CwMessage, RagChunk
from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    bindparam,
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

HIGHLIGHT_START, HIGHLIGHT_STOP = "\x02", "\x03"
HIGHLIGHT_OPTIONS = (
    f"StartSel={HIGHLIGHT_START}, StopSel={HIGHLIGHT_STOP}, "
    "MaxWords=40, MinWords=12, MaxFragments=2, FragmentDelimiter= … "
)
NAME_SIMILARITY_MIN = 0.7
MIN_TYPO_QUERY_CHARS = 4

CONTEXT_SQL = """
SELECT h.id, x.side, x.id, x.sender_type, x.sender_name, x.message_type, x.private,
       x.created_at, x.content
FROM cw_messages h
CROSS JOIN LATERAL (
    (SELECT 'before' AS side, m.id, m.sender_type, m.data->'sender'->>'name' AS sender_name,
            m.message_type, m.private, m.created_at, m.content
     FROM cw_messages m
     WHERE m.conversation_global_id = h.conversation_global_id
       AND m.deleted_at IS NULL AND (:include_private OR NOT m.private)
       AND (m.created_at, m.message_id) < (h.created_at, h.message_id)
     ORDER BY m.created_at DESC, m.message_id DESC
     LIMIT :size)
    UNION ALL
    (SELECT 'after' AS side, m.id, m.sender_type, m.data->'sender'->>'name' AS sender_name,
            m.message_type, m.private, m.created_at, m.content
     FROM cw_messages m
     WHERE m.conversation_global_id = h.conversation_global_id
       AND m.deleted_at IS NULL AND (:include_private OR NOT m.private)
       AND (m.created_at, m.message_id) > (h.created_at, h.message_id)
     ORDER BY m.created_at, m.message_id
     LIMIT :size)
) x
WHERE h.id = ANY(:ids)
"""


@dataclass(frozen=True)
class Candidate:
    chunk_id: uuid.UUID
    conversation_id: str
    score: float


@dataclass(frozen=True)
class ConversationFacts:
    id: str
    display_id: int | None
    account_id: int | None
    inbox_id: int | None
    status: str | None
    labels: list[str]
    contact_id: str | None
    contact_name: str | None


def labels_of(value: object) -> list[str]:
    return [str(label) for label in value] if isinstance(value, list) else []


@dataclass(frozen=True)
class HitRow:
    chunk_id: uuid.UUID
    text: str
    highlight: str | None
    message_id: str
    sender_type: str | None
    sender_name: str | None
    message_type: str | None
    private: bool
    message_created_at: datetime | None
    conversation: ConversationFacts


@dataclass(frozen=True)
class ContextRow:
    hit_message_id: str
    side: str  # "before" | "after"
    id: str
    sender_type: str | None
    sender_name: str | None
    message_type: str | None
    private: bool
    created_at: datetime | None
    content: str | None


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
        typo_fallback_below: int,
    ) -> list[Candidate]:
        """Full-text matches, accent-blind; when they are few, misspelled matches too.

        The score is the full-text rank (normalised to [0, 1)) plus the trigram word
        similarity of the query to the text, so exact identifiers rank first. Trigram-only
        matches (pg_trgm ``<%``, for typos) score by word similarity alone, below any full-text
        match of the same similarity, and are looked for only when full text found fewer than
        ``typo_fallback_below`` chunks, so common words do not flood the results.
        """
        tsquery = text_query(config, query)
        plain = func.parley_unaccent(literal(query))
        matches = text_vector(config).bool_op("@@")(tsquery)
        # Rank every match by full text (cheap: stored vector), then add the trigram
        # similarity only for the best few (word_similarity is costly per row).
        ranked = (
            select(
                RagChunk.id,
                RagChunk.conversation_global_id,
                RagChunk.text,
                func.ts_rank_cd(text_vector(config), tsquery, 32).label("rank"),
            )
            .where(matches, *conditions)
            .order_by(literal_column("rank").desc(), RagChunk.id)
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

    async def hydrate(
        self,
        session: AsyncSession,
        *,
        chunk_ids: Sequence[uuid.UUID],
        query: str | None,
        config: TextSearchConfig,
    ) -> dict[uuid.UUID, HitRow]:
        """Hits with their message, conversation and contact; deleted messages drop out."""
        if not chunk_ids:
            return {}
        if query is not None:
            tsquery = text_query(config, query)
            highlight: ColumnElement[str | None] = case(
                (
                    text_vector(config).bool_op("@@")(tsquery),
                    func.ts_headline(
                        literal_column(f"'{config.value}'::regconfig"),
                        RagChunk.text,
                        tsquery,
                        bindparam("highlight_options", HIGHLIGHT_OPTIONS),
                    ),
                ),
                else_=None,
            )
        else:
            highlight = literal(None)
        rows = await session.execute(
            select(
                RagChunk.id,
                RagChunk.text,
                highlight.label("highlight"),
                RagChunk.message_global_id,
                RagChunk.sender_type,
                CwMessage.data["sender"]["name"].astext,
                RagChunk.message_type,
                RagChunk.private,
                RagChunk.message_created_at,
                RagChunk.conversation_global_id,
                CwConversation.conversation_id,
                RagChunk.account_id,
                RagChunk.inbox_id,
                CwConversation.status,
                CwConversation.data["labels"],
                CwContact.id,
                CwContact.name,
            )
            .select_from(RagChunk)
            .outerjoin(CwMessage, CwMessage.id == RagChunk.message_global_id)
            .outerjoin(CwConversation, CwConversation.id == RagChunk.conversation_global_id)
            .outerjoin(CwContact, CwContact.id == CwConversation.contact_global_id)
            .where(RagChunk.id.in_(chunk_ids), CwMessage.deleted_at.is_(None))
        )
        hits = {}
        for row in rows:
            hits[row[0]] = HitRow(
                chunk_id=row[0],
                text=row[1],
                highlight=row[2],
                message_id=row[3] or "",
                sender_type=row[4],
                sender_name=row[5],
                message_type=row[6],
                private=row[7],
                message_created_at=row[8],
                conversation=ConversationFacts(
                    id=row[9] or "",
                    display_id=row[10],
                    account_id=row[11],
                    inbox_id=row[12],
                    status=row[13],
                    labels=labels_of(row[14]),
                    contact_id=row[15],
                    contact_name=row[16],
                ),
            )
        return hits

    async def context(
        self,
        session: AsyncSession,
        *,
        message_ids: Sequence[str],
        size: int,
        include_private: bool,
    ) -> list[ContextRow]:
        """Up to ``size`` messages before and after each hit's message, in its conversation."""
        if not message_ids or size == 0:
            return []
        rows = await session.execute(
            text(CONTEXT_SQL),
            {"ids": list(message_ids), "size": size, "include_private": include_private},
        )
        return [ContextRow(*row) for row in rows]


search_repository = SearchRepository()
