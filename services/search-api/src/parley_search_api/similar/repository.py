"""SQL of similar conversations: the source's side vectors and words, candidate
conversations by keyword, the side means of candidates, and each one's resolving reply."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from parley_schema.models import CwConversation, CwMessage, RagChunk
from parley_schema.vector_slots import SlotModel
from pgvector.sqlalchemy import Vector
from sqlalchemy import ColumnElement, cast, func, literal, select
from sqlalchemy.dialects.postgresql import REAL, TSQUERY, array, distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from parley_search_api.conversations.rows import MessageRow
from parley_search_api.search.lexeme_statistics import lexeme_shares
from parley_search_api.search.text_search import text_vector
from parley_search_api.settings import TextSearchConfig
from parley_search_api.similar.sides import Side, is_agent_reply, side_of

RESOLVED = "resolved"
_CHUNK_SIDE = side_of(RagChunk.message_type, RagChunk.sender_type)


def _weighted_sum(model: SlotModel) -> ColumnElement[Any]:
    """The sum of the chunk vectors, each weighted by its text's length: a direction (cosine
    ignores length) where "hi" and "thanks!" weigh little next to the problem or its fix.
    pgvector multiplies vectors element by element, so the weight is a constant vector."""
    weight = func.array_fill(cast(func.length(RagChunk.text), REAL), array([model.dimension]))
    return func.sum(model.vector.op("*")(cast(weight, Vector())), type_=Vector())


def any_lexeme_query(lexemes: Sequence[str]) -> str:
    """A tsquery matching any of ``lexemes`` (already normalised: each is quoted, so it is
    taken as it is, and any text is valid)."""
    quoted = ("'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'" for lexeme in lexemes)
    return " | ".join(quoted)


class SimilarRepository:
    async def side_means(
        self,
        session: AsyncSession,
        conversation_id: str,
        *,
        model: SlotModel,
        conditions: Sequence[ColumnElement[bool]],
    ) -> dict[Side, list[float]]:
        """The mean chunk vector of each side of one conversation (a side without chunks is
        missing)."""
        side = _CHUNK_SIDE.label("side")
        rows = await session.execute(
            select(side, _weighted_sum(model))
            .where(
                RagChunk.conversation_global_id == conversation_id,
                model.holds(),
                *conditions,
            )
            .group_by(side)
        )
        return {Side(s): [float(x) for x in mean] for s, mean in rows if mean is not None}

    async def lexemes(
        self,
        session: AsyncSession,
        conversation_id: str,
        *,
        config: TextSearchConfig,
        sides: Sequence[Side],
        conditions: Sequence[ColumnElement[bool]],
        limit: int,
    ) -> list[str]:
        """The ``limit`` most frequent lexemes of the conversation's chunks on ``sides``."""
        words = (
            select(func.unnest(func.tsvector_to_array(text_vector(config))).label("lexeme"))
            .where(
                RagChunk.conversation_global_id == conversation_id,
                _CHUNK_SIDE.in_([s.value for s in sides]),
                *conditions,
            )
            .subquery()
        )
        count = func.count().label("n")
        rows = await session.execute(
            select(words.c.lexeme, count)
            .group_by(words.c.lexeme)
            .order_by(count.desc(), words.c.lexeme)
            .limit(limit)
        )
        return [str(word) for word, _ in rows]

    async def lexeme_shares(
        self, session: AsyncSession, *, lexemes: Sequence[str], config: TextSearchConfig
    ) -> dict[str, float]:
        """The share of chunks holding each of ``lexemes``, from the statistics ANALYZE
        keeps (its most common elements only: a lexeme missing is rarer than those)."""
        if not lexemes:
            return {}
        shares = lexeme_shares(config)
        rows = await session.execute(
            select(shares.c.lexeme, shares.c.share).where(shares.c.lexeme.in_(list(lexemes)))
        )
        return {str(lexeme): float(share) for lexeme, share in rows}

    async def keyword_conversations(
        self,
        session: AsyncSession,
        *,
        lexemes: Sequence[str],
        config: TextSearchConfig,
        conditions: Sequence[ColumnElement[bool]],
        limit: int,
        rank_limit: int,
    ) -> dict[str, float]:
        """Conversations whose chunks share words with ``lexemes`` (OR semantics), scored by
        the sum of their chunks' full-text ranks: a whole conversation's match. At most
        ``rank_limit`` matching chunks are ranked, the first the index scan finds.

        ``ts_rank`` (term frequency), not search's ``ts_rank_cd``: cover density over an OR
        of many words costs ~80 µs a row (2000 rows: 164 ms against 30 ms, bench/search at
        400k chunks), and the words of a whole conversation are no phrase to find close
        together."""
        if not lexemes:
            return {}
        # The lexemes are ``config``'s already: the cast takes them as they are.
        tsquery = cast(literal(any_lexeme_query(lexemes)), TSQUERY)
        document = text_vector(config)
        matched = (
            select(
                RagChunk.conversation_global_id.label("conversation_id"),
                func.ts_rank(document, tsquery).label("rank"),
            )
            .where(document.bool_op("@@")(tsquery), *conditions)
            .limit(rank_limit)
            .subquery()
        )
        score = func.sum(matched.c.rank).label("score")
        rows = await session.execute(
            select(matched.c.conversation_id, score)
            .group_by(matched.c.conversation_id)
            .order_by(score.desc(), matched.c.conversation_id)
            .limit(limit)
        )
        return {conversation: float(s) for conversation, s in rows if conversation}

    async def side_similarities(
        self,
        session: AsyncSession,
        *,
        conversation_ids: Sequence[str],
        vectors: Mapping[Side, Sequence[float]],
        model: SlotModel,
        conditions: Sequence[ColumnElement[bool]],
    ) -> dict[str, dict[tuple[Side, Side], float]]:
        """For each conversation, the cosine similarity of each of its side means to each
        source side vector: ``{conversation: {(source side, its side): similarity}}``."""
        if not conversation_ids or not vectors:
            return {}
        side = _CHUNK_SIDE.label("side")
        mean = _weighted_sum(model)
        sources = list(vectors.items())
        similarities = [
            (1 - mean.cosine_distance(vector)).label(f"to_{source.value}")
            for source, vector in sources
        ]
        rows = await session.execute(
            select(RagChunk.conversation_global_id, side, *similarities)
            .where(
                RagChunk.conversation_global_id.in_(conversation_ids),
                model.holds(),
                _CHUNK_SIDE.in_([Side.CUSTOMER.value, Side.AGENT.value]),
                *conditions,
            )
            .group_by(RagChunk.conversation_global_id, side)
        )
        found: dict[str, dict[tuple[Side, Side], float]] = {}
        for row in rows:
            conversation, their_side, *values = row
            pairs = found.setdefault(conversation, {})
            for (source, _), value in zip(sources, values, strict=True):
                pairs[(source, Side(their_side))] = float(value)
        return found

    async def statuses(
        self, session: AsyncSession, conversation_ids: Sequence[str]
    ) -> dict[str, str | None]:
        if not conversation_ids:
            return {}
        rows = await session.execute(
            select(CwConversation.id, CwConversation.status).where(
                CwConversation.id.in_(conversation_ids)
            )
        )
        return {conversation: status for conversation, status in rows}

    async def resolutions(
        self,
        session: AsyncSession,
        *,
        conversation_ids: Sequence[str],
        vector: Sequence[float] | None,
        model: SlotModel,
    ) -> dict[str, MessageRow]:
        """The reply that resolved each resolved conversation: of its public, not deleted,
        non-empty outgoing messages from an agent, the one whose chunk is nearest to
        ``vector`` (the reply that answers what the source's customer asked), else the
        latest. Private notes are never a resolution: the customer never saw them."""
        if not conversation_ids:
            return {}
        chunk = (
            select(RagChunk.message_global_id, model.vector.label("embedding"))
            .where(model.holds(), model.columns.vector_column.is_not(None))
            .subquery()
        )
        order = (
            [chunk.c.embedding.cosine_distance(vector).asc().nulls_last()]
            if vector is not None
            else []
        )
        rows = await session.execute(
            select(
                CwMessage.conversation_global_id.label("conversation_id"),
                CwMessage.id,
                CwMessage.sender_type,
                CwMessage.data["sender"]["name"].astext.label("sender_name"),
                CwMessage.message_type,
                CwMessage.private,
                CwMessage.created_at,
                CwMessage.content,
            )
            .ext(distinct_on(CwMessage.conversation_global_id))
            .join(CwConversation, CwConversation.id == CwMessage.conversation_global_id)
            .outerjoin(chunk, chunk.c.message_global_id == CwMessage.id)
            .where(
                CwMessage.conversation_global_id.in_(conversation_ids),
                CwConversation.status == RESOLVED,
                is_agent_reply(CwMessage.message_type, CwMessage.sender_type),
                CwMessage.private.is_(False),
                CwMessage.deleted_at.is_(None),
                func.length(func.btrim(CwMessage.content)) > 0,
            )
            .order_by(
                CwMessage.conversation_global_id,
                *order,
                CwMessage.created_at.desc(),
                CwMessage.message_id.desc(),
            )
        )
        found = {}
        for row in rows:
            values = dict(row._mapping)
            conversation = values.pop("conversation_id")
            found[conversation] = MessageRow(**values)
        return found


similar_repository = SimilarRepository()
