"""SQL of search: candidates per component, conversation lift, representative chunks."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from functools import lru_cache

from parley_schema.models import CwContact, CwConversation, RagChunk
from parley_schema.models.chatwoot import PHONE_DIGITS_SQL
from parley_schema.vector_slots import SlotModel
from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    ARRAY,
    CTE,
    BigInteger,
    ColumnElement,
    Float,
    Integer,
    Select,
    Text,
    any_,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from parley_search_api.search.candidates import Candidate
from parley_search_api.search.conditions import STATEMENTS, KeyedConditions
from parley_search_api.search.dense import ModelCosines, QueryVector
from parley_search_api.search.knowledge import HIT_GROUP
from parley_search_api.search.lift_terms import LiftTerms
from parley_search_api.search.plan import table_access
from parley_search_api.search.text_search import SIMPLE, any_of, text_query
from parley_search_api.settings import TextSearchConfig

NAME_SIMILARITY_MIN = 0.7
# The exact scan ranks by cosine this many chunks per hit wanted, nearest by sign bits
# (bench/search/README.md: recall@10 1.000, min 0.9, on 20k real MiniLM vectors with 800).
PRESCAN_PER_HIT = 8


def _named_contacts() -> CTE:
    """Contacts the query names (``lifted_conversations``), with a 0..1 score; the query's
    terms are bound parameters, so this is built once. Name words are OR-ed in web-search
    syntax: each is a run of letters, never an operator (``lift_terms``)."""
    folded_query = func.parley_unaccent(func.lower(bindparam("lift_query", type_=Text)))
    name_similarity = func.word_similarity(
        func.parley_unaccent(func.lower(CwContact.name)), folded_query
    )
    exact = or_(
        func.lower(CwContact.email) == any_(bindparam("lift_emails", type_=ARRAY(Text))),
        literal_column(PHONE_DIGITS_SQL) == any_(bindparam("lift_phone_digits", type_=ARRAY(Text))),
        func.lower(CwContact.identifier) == any_(bindparam("lift_tokens", type_=ARRAY(Text))),
    )
    name_words = func.to_tsvector(SIMPLE, func.parley_unaccent(CwContact.name))
    any_name_word = text_query(TextSearchConfig.SIMPLE, bindparam("lift_name_words", type_=Text))
    contact_score = case((exact, literal(1.0)), else_=cast(name_similarity, Float))
    return (
        select(CwContact.id, contact_score.label("score"))
        .where(
            or_(
                exact,
                name_words.bool_op("@@")(any_name_word)
                & (func.length(CwContact.name) >= 3)
                & (name_similarity >= NAME_SIMILARITY_MIN),
            )
        )
        .cte("named_contacts")
    )


def _lift_parameters(query: str, terms: LiftTerms) -> dict[str, object]:
    """The bound parameters of ``_NAMED_CONTACTS`` and ``_DISPLAY_IDS``."""
    return {
        "lift_query": query,
        "lift_emails": list(terms.emails),
        "lift_phone_digits": list(terms.phone_digits),
        "lift_tokens": list(terms.tokens),
        "lift_name_words": any_of(terms.name_words),
        "lift_display_ids": list(terms.display_ids),
    }


_NAMED_CONTACTS = _named_contacts()
_DISPLAY_IDS = bindparam("lift_display_ids", type_=ARRAY(BigInteger))


@lru_cache(maxsize=STATEMENTS)
def _lift_statement(conditions: KeyedConditions) -> Select[str, float]:
    """``lifted_conversations``' statement, built once per caller's conditions."""
    by_contact = (
        select(CwConversation.id, _NAMED_CONTACTS.c.score)
        .join(_NAMED_CONTACTS, _NAMED_CONTACTS.c.id == CwConversation.contact_global_id)
        .where(*conditions.where)
    )
    by_display_id = select(CwConversation.id, literal(1.0).label("score")).where(
        CwConversation.conversation_id == any_(_DISPLAY_IDS), *conditions.where
    )
    named = union_all(by_contact, by_display_id).subquery()
    score = func.max(named.c.score).label("score")
    return (
        select(named.c.id, score)
        .group_by(named.c.id)
        .order_by(score.desc(), named.c.id)
        .limit(bindparam("lift_limit", type_=Integer))
    )


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
        model: SlotModel,
        conditions: Sequence[ColumnElement[bool]],
        limit: int,
        exact: bool = False,
    ) -> Select[uuid.UUID, str | None, float]:
        """Nearest chunks by cosine distance: through the HNSW index, or, ``exact``, by a scan
        of every chunk the conditions leave, from the model's scan index alone
        (``vector_slots``): the ``limit * PRESCAN_PER_HIT`` nearest by the Hamming distance
        of their sign bits, of which the ``limit`` nearest by cosine (one primary-key lookup
        each). The model's vectors are read as its partial index holds them."""
        distance = model.vector.cosine_distance(vector)
        nearest = select(RagChunk.id, HIT_GROUP, (1 - distance).label("score"))
        if not exact:
            return nearest.where(model.holds(), *conditions).order_by(distance).limit(limit)
        by_bits = (
            select(RagChunk.id)
            .where(model.holds(), *conditions)
            .order_by(model.hamming_distance(vector))
            .limit(limit * PRESCAN_PER_HIT)
        )
        # distance + 0: an ordering the HNSW index cannot serve, so its scan is never planned
        return nearest.where(RagChunk.id.in_(by_bits)).order_by(distance + 0).limit(limit)

    async def semantic(
        self,
        session: AsyncSession,
        *,
        vector: Sequence[float],
        model: SlotModel,
        conditions: Sequence[ColumnElement[bool]],
        limit: int,
        exact_below: int = 0,
    ) -> list[Candidate]:
        """Nearest chunks; by a scan of every chunk the conditions leave when the planner
        expects at most ``exact_below`` of them, reached through an index.

        Under a selective filter the iterative HNSW scan visits ~limit / selectivity index
        entries, most of them filtered out (~60-80 ms at 1M chunks under a 2 % filter). The
        scan of the ~20k chunks an inbox filter leaves took ~35 ms when it read their rows
        (~5,000 scattered pages); from the scan index, by their bits, ~11 ms. Postgres picks
        the HNSW scan by itself there, so the choice is made here.
        """
        exact = await self.scans_exactly(
            session, model=model, conditions=conditions, exact_below=exact_below
        )
        statement = self.semantic_statement(
            vector=vector, model=model, conditions=conditions, limit=limit, exact=exact
        )
        rows = await session.execute(statement)
        return [Candidate(i, c or "", float(s)) for i, c, s in rows]

    async def scans_exactly(
        self,
        session: AsyncSession,
        *,
        model: SlotModel,
        conditions: Sequence[ColumnElement[bool]],
        exact_below: int,
    ) -> bool:
        """Whether the planner expects at most ``exact_below`` chunks (0: never) to pass the
        conditions, reached through an index (``semantic``)."""
        if not exact_below:
            return False
        # the plan of the filter alone: planning it with the query vector costs more
        filtered = select(RagChunk.id).where(model.holds(), *conditions)
        access = await table_access(session, filtered, RagChunk.__tablename__)
        return not access.sequential and access.rows <= exact_below

    async def semantic_cosines(
        self,
        session: AsyncSession,
        *,
        by: QueryVector,
        vectors: Sequence[QueryVector],
        conditions: Sequence[ColumnElement[bool]],
        limit: int,
        exact: bool,
    ) -> list[ModelCosines]:
        """The chunks nearest by ``by``'s model (its index, as ``semantic``), each with its
        cosine under every model of ``vectors``: computed over those ``limit`` rows only,
        outside the nearest-neighbour scan (a subquery with a LIMIT is not flattened)."""
        slots = [v.model.columns for v in vectors]
        nearest = (
            self.semantic_statement(
                vector=by.values, model=by.model, conditions=conditions, limit=limit, exact=exact
            )
            .add_columns(
                *(column for slot in slots for column in (slot.vector_column, slot.model_column))
            )
            .subquery("nearest")
        )
        cosines = [
            # CASE: a slot holding another model's vector is never cast to this one's dimension
            case(
                (
                    nearest.c[slot.model_column.key] == v.model.name,
                    1
                    - cast(
                        nearest.c[slot.vector_column.key], Vector(v.model.dimension)
                    ).cosine_distance(v.values),
                )
            )
            for slot, v in zip(slots, vectors, strict=True)
        ]
        rows = await session.execute(select(nearest.c.id, nearest.c[HIT_GROUP.key], *cosines))
        return [
            ModelCosines(i, c or "", tuple(None if s is None else float(s) for s in found))
            for i, c, *found in rows
        ]

    async def lifted_conversations(
        self,
        session: AsyncSession,
        *,
        query: str,
        terms: LiftTerms,
        conditions: KeyedConditions,
        limit: int,
    ) -> dict[str, float]:
        """Conversations whose display id or contact the query names, with a 0..1 score.

        Index lookups only (migration 0006), never a pass over every conversation: contacts
        by lower-cased email or identifier, phone digits, or a name sharing a word with the
        query, kept when the whole name is in the query (trigram word similarity
        ``NAME_SIMILARITY_MIN``, so one misspelled name word still counts); then their
        conversations and those with a named display id, within ``conditions``.
        """
        rows = await session.execute(
            _lift_statement(conditions), {**_lift_parameters(query, terms), "lift_limit": limit}
        )
        return {conversation_id: float(s) for conversation_id, s in rows}

    async def representative_chunks(
        self,
        session: AsyncSession,
        *,
        conversation_ids: Sequence[str],
        conditions: Sequence[ColumnElement[bool]],
        vector: Sequence[float] | None,
        model: SlotModel | None,
    ) -> list[Candidate]:
        """One searchable chunk per conversation: the nearest to the query (by ``model``'s
        vectors), else the latest."""
        if not conversation_ids:
            return []
        order = (
            # CASE: a chunk whose slot holds another model's vector is never cast to this one's
            case((model.holds(), model.vector.cosine_distance(vector))).nulls_last()
            if vector is not None and model is not None
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
