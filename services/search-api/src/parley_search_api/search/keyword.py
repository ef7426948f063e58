"""Keyword search: BM25 over chunk text with OR semantics, bounded work for common words.

Two statements. The first reads the query's lexemes (the text-search configuration's: stemmed,
stop words dropped) and each one's document frequency among the chunks the caller may read,
counted up to ``common_postings``: a lexeme that reaches it is *common*, and so is one that
ANALYZE's statistics show in at least that many of the whole table's chunks, uncounted
(lexeme_statistics: shares of the whole table, as the IDFs' chunk count is). The second selects the
chunks that have a rare lexeme of the query (any of them: OR), ranks them by BM25 over every
lexeme of the query, common ones included, and returns the best ``limit``.

Common words never select chunks, so they never make the search visit a large part of the
table: the count of each stops at ``common_postings`` heap visits, and the selection reads the
posting lists of rare lexemes only, rarest first, as many as fit in ``rank_limit`` postings
together (so an identifier is always among the chunks ranked, whatever else the query says).
A query of common words alone selects the chunks that have all of them (the only useful
reading of such a query), at most ``common_rank_limit`` of them: all alike in rarity, and
which of them the index yields first is arbitrary, so ranking more of a large table's
matches (2,000 took ~20 ms at 1M chunks, where most questions' words are common) buys
nothing for the time (bench/search).

The score is a confidence in [0, 1]: BM25 divided by the sum of the query's IDFs (the score of
a chunk of average length that has every lexeme of the query once), capped at 1, squared: a
chunk with a third of the query's rarity counts a ninth, so a few shared words of a long
question do not outweigh a semantic match (measured with bench/quality: squared, topic
questions stopped losing to dense search alone). It is absolute, so fusion weighs it as it
is (fusion.weighted) instead of stretching whatever list came back to [0, 1].
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache, reduce
from typing import Any

from parley_schema.models import RagChunk
from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Float,
    Integer,
    Select,
    Text,
    bindparam,
    case,
    false,
    func,
    literal,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession

from parley_search_api.search.candidates import Candidate
from parley_search_api.search.conditions import STATEMENTS, KeyedConditions
from parley_search_api.search.keyword_query import KeywordQuery, looks_like_identifier, parse
from parley_search_api.search.knowledge import HIT_GROUP
from parley_search_api.search.lexeme_statistics import lexeme_shares, table_chunks
from parley_search_api.search.text_search import (
    SIMPLE,
    regconfig,
    text_vector,
    unaccented_text,
)
from parley_search_api.search.typo_fallback import TypoFallback
from parley_search_api.settings import SearchSettings, TextSearchConfig

K1 = 1.2  # BM25 term-frequency saturation
B = 0.75  # BM25 length normalisation (against the mean length of the chunks selected)
# A word that looks like an identifier is one when at most this share of the chunks, or at
# most EXACT_MIN_POSTINGS of them, have it: an order number or error code is in a handful.
EXACT_MAX_SHARE = 0.001
EXACT_MIN_POSTINGS = 20
TYPO_SHARE = 0.5  # a trigram-only match scores its word similarity times this


@dataclass(frozen=True)
class KeywordBounds:
    """How much of the table one keyword search may visit (SEARCH_KEYWORD_* settings)."""

    rank_limit: int  # postings of the rare lexemes that select chunks, together at most
    common_postings: int  # a lexeme in at least this many chunks is common (counted to here)
    common_rank_limit: int  # chunks ranked for a query of common words alone

    @classmethod
    def configured(cls, settings: SearchSettings) -> KeywordBounds:
        return cls(
            rank_limit=settings.search_keyword_rank_limit,
            common_postings=settings.search_keyword_common_postings,
            common_rank_limit=settings.search_keyword_common_rank_limit,
        )


@dataclass(frozen=True)
class Term:
    word: int  # index into the query's scored words
    lexeme: str
    postings: int  # chunks the caller may read that have it, counted up to common_postings


@dataclass(frozen=True)
class QueryStatistics:
    terms: tuple[Term, ...]
    chunks: float  # chunks in the table (the planner's estimate)

    def idf(self, postings: int) -> float:
        n = max(self.chunks, float(postings), 1.0)
        return math.log(1.0 + (n - postings + 0.5) / (postings + 0.5))


def _tsquery_of_lexeme(lexeme: ColumnElement[Any]) -> ColumnElement[Any]:
    # ``simple`` neither stems nor drops: the lexeme as it is (never parsed as tsquery syntax)
    return func.plainto_tsquery(SIMPLE, lexeme)


def _any(queries: Sequence[ColumnElement[Any]]) -> ColumnElement[Any]:
    return reduce(func.tsquery_or, queries)


def _all(queries: Sequence[ColumnElement[Any]]) -> ColumnElement[Any]:
    return reduce(func.tsquery_and, queries)


def _rarest_first(postings: dict[str, int], *, common_postings: int, budget: int) -> list[str]:
    """The lexemes that select chunks: rarest first, while their postings together fit in
    ``budget`` (the rarest always), and none that is common. The others still score."""
    chosen: list[str] = []
    total = 0
    for lexeme, count in sorted(postings.items(), key=lambda item: (item[1], item[0])):
        if count == 0:
            continue
        if count >= common_postings or (chosen and total + count > budget):
            break
        chosen.append(lexeme)
        total += count
    return chosen


def _numbered(name: str, values: Sequence[str]) -> dict[str, str]:
    """The values of ``_slots(name, len(values))``."""
    return {f"{name}_{n}": value for n, value in enumerate(values)}


def _slots(name: str, count: int) -> list[ColumnElement[Any]]:
    return [bindparam(f"{name}_{n}", type_=Text) for n in range(count)]


# Both statements are built once per shape (the caller's conditions, the configuration and,
# for BM25, how many phrases, selecting lexemes, exclusions and identifiers) with every value
# a bound parameter: built per request, they, the lift's and the hydration's took ~3.8 ms of
# Python (~a fifth of a keyword search at 100k chunks; bench/search/README.md), and a
# statement reused keeps its cache key.


@lru_cache(maxsize=STATEMENTS)
def _statistics_statement(config: TextSearchConfig, vocabulary: KeyedConditions) -> Select[Any]:
    """``KeywordRepository.statistics``' statement; it binds the words and the cap."""
    document = text_vector(config)
    given = (
        func.unnest(bindparam("statistics_words", type_=ARRAY(Text)))
        .table_valued("word", with_ordinality="n")
        .render_derived(name="given")
    )
    lexemes = (
        func.unnest(
            func.tsvector_to_array(
                func.to_tsvector(regconfig(config), func.parley_unaccent(given.c.word))
            )
        )
        .table_valued("lexeme")
        .render_derived(name="lexemes")
        .lateral()
    )
    per_word = select(given.c.n, lexemes.c.lexeme).select_from(given.join(lexemes, text("true")))
    pairs = per_word.cte("pairs")
    distinct = select(pairs.c.lexeme).distinct().subquery()
    common_postings = bindparam("common_postings", type_=Integer)
    capped = (
        select(literal(1))
        .where(document.bool_op("@@")(_tsquery_of_lexeme(distinct.c.lexeme)), *vocabulary.where)
        .limit(common_postings)
        .correlate(distinct)
        .subquery()
    )
    size = table_chunks()  # one row, read once
    shares = lexeme_shares(config)
    # CASE evaluates the count only for a lexeme the statistics do not show as common
    postings = case(
        (shares.c.share * size.c.chunks >= common_postings, common_postings),
        else_=select(func.count()).select_from(capped).scalar_subquery(),
    )
    counted = (
        select(distinct.c.lexeme, postings.label("postings"), size.c.chunks)
        .select_from(
            distinct.join(size, text("true")).outerjoin(
                shares, shares.c.lexeme == distinct.c.lexeme
            )
        )
        .cte("counted")
    )
    return (
        select(pairs.c.n, pairs.c.lexeme, counted.c.postings, counted.c.chunks)
        .join(counted, counted.c.lexeme == pairs.c.lexeme)
        .order_by(pairs.c.n, pairs.c.lexeme)
    )


@lru_cache(maxsize=STATEMENTS)
def _bm25_statement(
    config: TextSearchConfig,
    conditions: KeyedConditions,
    *,
    phrases: int,
    selecting: int,
    selects_any: bool,
    exclusions: int,
    identifiers: int,
) -> Select[Any]:
    """Chunks matching the phrases and any (``selects_any``) or all of the selecting lexemes,
    and none of the exclusions (at most ``rank_limit``, the first the index finds), by BM25
    over the lexemes of ``idf_lexemes``; ``exact`` when one has an identifier. Its values
    are the parameters ``KeywordRepository._ranked`` binds."""
    document = text_vector(config)

    def phrase(value: ColumnElement[Any]) -> ColumnElement[Any]:
        return func.phraseto_tsquery(regconfig(config), func.parley_unaccent(value))

    required = [phrase(value) for value in _slots("phrase", phrases)]
    if selecting:
        chosen = [_tsquery_of_lexeme(value) for value in _slots("selecting", selecting)]
        required.append(_any(chosen) if selects_any else _all(chosen))
    match_query = _all(required)
    for excluded in _slots("excluded", exclusions):
        match_query = func.tsquery_and(match_query, func.tsquery_not(phrase(excluded)))
    exact: ColumnElement[bool] = (
        document.bool_op("@@")(
            _any(
                [
                    func.plainto_tsquery(regconfig(config), func.parley_unaccent(value))
                    for value in _slots("identifier", identifiers)
                ]
            )
        )
        if identifiers
        else false()
    )
    matched = (
        select(
            RagChunk.id,
            HIT_GROUP,
            document.label("document"),
            exact.label("exact"),
        )
        .where(document.bool_op("@@")(match_query), *conditions.where)
        .limit(bindparam("rank_limit", type_=Integer))
        .subquery("matched")
    )
    sized = select(
        matched,
        func.length(matched.c.document).label("length"),
        func.avg(func.length(matched.c.document)).over().label("mean_length"),
    ).subquery("sized")
    terms = (
        func.unnest(
            bindparam("idf_lexemes", type_=ARRAY(Text)),
            bindparam("idf_values", type_=ARRAY(Float)),
        )
        .table_valued("lexeme", "idf")
        .render_derived(name="terms")
    )
    lexemes = func.unnest(sized.c.document).table_valued("lexeme", "positions").lateral()
    frequency = func.coalesce(func.cardinality(lexemes.c.positions), 1).cast(Float)
    length_ratio = sized.c.length.cast(Float) / func.greatest(sized.c.mean_length, 1)
    contribution = (
        terms.c.idf * frequency * (K1 + 1) / (frequency + K1 * (1 - B + B * length_ratio))
    )
    bm25 = func.sum(contribution).label("bm25")
    return (
        select(sized.c.id, sized.c.conversation_global_id, sized.c.exact, bm25)
        .select_from(
            sized.join(lexemes, text("true")).join(terms, terms.c.lexeme == lexemes.c.lexeme)
        )
        .group_by(sized.c.id, sized.c.conversation_global_id, sized.c.exact)
        .order_by(bm25.desc(), sized.c.id)
        .limit(bindparam("bm25_limit", type_=Integer))
    )


class KeywordRepository:
    async def statistics(
        self,
        session: AsyncSession,
        *,
        words: Sequence[str],
        config: TextSearchConfig,
        vocabulary: KeyedConditions,
        common_postings: int,
    ) -> QueryStatistics:
        """The lexemes of each word and their document frequencies, counted up to
        ``common_postings`` among the chunks ``vocabulary`` allows (the caller's sources),
        and the chunks in the table. A lexeme the planner's statistics show in at least
        ``common_postings`` of the table's chunks is common without a count (at 1M chunks
        ~1,000 heap visits each, most of this statement's time: bench/search)."""
        rows = (
            await session.execute(
                _statistics_statement(config, vocabulary),
                {"statistics_words": list(words), "common_postings": common_postings},
            )
        ).all()
        return QueryStatistics(
            terms=tuple(Term(int(n) - 1, lexeme, int(p)) for n, lexeme, p, _ in rows),
            chunks=float(rows[0].chunks) if rows else 0.0,
        )

    async def search(
        self,
        session: AsyncSession,
        *,
        query: str,
        config: TextSearchConfig,
        conditions: KeyedConditions,
        vocabulary: KeyedConditions,
        limit: int,
        bounds: KeywordBounds,
        typo: TypoFallback,
    ) -> list[Candidate]:
        """The best ``limit`` chunks by BM25 confidence (see the module docstring); when full
        text finds fewer than ``typo.below`` and a word of the query is in none of the chunks
        ``vocabulary`` allows, misspelled matches too (typo_fallback)."""
        parsed = parse(query)
        words = parsed.scored_words
        stats = (
            await self.statistics(
                session,
                words=words,
                config=config,
                vocabulary=vocabulary,
                common_postings=bounds.common_postings,
            )
            if words
            else QueryStatistics((), 0.0)
        )
        found = await self._ranked(
            session,
            parsed=parsed,
            stats=stats,
            config=config,
            conditions=conditions,
            limit=limit,
            bounds=bounds,
        )
        unknown_word = any(t.postings == 0 for t in stats.terms)
        if not (unknown_word and typo.applies(query, found=len(found))):
            return found
        return found + await self._misspelled(
            session,
            query=query,
            config=config,
            conditions=conditions.where,
            limit=limit - len(found),
            candidates=typo.candidates,
        )

    async def _ranked(
        self,
        session: AsyncSession,
        *,
        parsed: KeywordQuery,
        stats: QueryStatistics,
        config: TextSearchConfig,
        conditions: KeyedConditions,
        limit: int,
        bounds: KeywordBounds,
    ) -> list[Candidate]:
        loose = len(parsed.words)  # scored words past these are the phrases' words
        known = {t.lexeme: t.postings for t in stats.terms if t.postings > 0}
        rare = _rarest_first(
            {t.lexeme: t.postings for t in stats.terms if t.word < loose},
            common_postings=bounds.common_postings,
            budget=bounds.rank_limit,
        )
        common = sorted(
            {
                t.lexeme
                for t in stats.terms
                if t.word < loose and t.postings >= bounds.common_postings
            }
        )
        selecting = rare or common  # any rare lexeme, else every common one
        if not (parsed.phrases or selecting) or not known:
            return []  # nothing to select, or no chunk has a word to score
        idf = {lexeme: stats.idf(postings) for lexeme, postings in known.items()}
        identifiers = self._identifiers(parsed, stats)
        statement = _bm25_statement(
            config,
            conditions,
            phrases=len(parsed.phrases),
            selecting=len(selecting),
            selects_any=bool(rare),
            exclusions=len(parsed.exclusions),
            identifiers=len(identifiers),
        )
        rows = await session.execute(
            statement,
            {
                **_numbered("phrase", parsed.phrases),
                **_numbered("selecting", selecting),
                **_numbered("excluded", parsed.exclusions),
                **_numbered("identifier", identifiers),
                "idf_lexemes": list(idf),
                "idf_values": list(idf.values()),
                "rank_limit": bounds.rank_limit if rare else bounds.common_rank_limit,
                "bm25_limit": limit,
            },
        )
        total = sum(idf.values()) or 1.0
        return [
            Candidate(i, c or "", min(1.0, float(score) / total) ** 2, exact=bool(e))
            for i, c, e, score in rows
        ]

    @staticmethod
    def _identifiers(parsed: KeywordQuery, stats: QueryStatistics) -> list[str]:
        """The loose words that look like identifiers and are rare (their rarest lexeme)."""
        most = max(EXACT_MIN_POSTINGS, stats.chunks * EXACT_MAX_SHARE)
        rarest: dict[int, int] = {}
        for term in stats.terms:
            if term.postings > 0:
                rarest[term.word] = min(rarest.get(term.word, term.postings), term.postings)
        return [
            word
            for n, word in enumerate(parsed.words)
            if looks_like_identifier(word) and 0 < rarest.get(n, 0) <= most
        ]

    async def _misspelled(
        self,
        session: AsyncSession,
        *,
        query: str,
        config: TextSearchConfig,
        conditions: Sequence[ColumnElement[bool]],
        limit: int,
        candidates: int,
    ) -> list[Candidate]:
        """Trigram matches (pg_trgm ``<%``) that full text did not find, at most
        ``candidates`` scored, by word similarity times TYPO_SHARE."""
        plain = func.parley_unaccent(literal(query))
        document = text_vector(config)
        full_text = func.websearch_to_tsquery(regconfig(config), plain)
        similar = (
            select(RagChunk.id, HIT_GROUP, RagChunk.text)
            .where(
                plain.bool_op("<%")(unaccented_text()),
                ~document.bool_op("@@")(full_text),
                *conditions,
            )
            .limit(candidates)
            .subquery()
        )
        similarity = func.word_similarity(plain, func.parley_unaccent(similar.c.text)).label(
            "score"
        )
        rows = await session.execute(
            select(similar.c.id, similar.c.conversation_global_id, similarity)
            .order_by(similarity.desc(), similar.c.id)
            .limit(limit)
        )
        return [Candidate(i, c or "", TYPO_SHARE * float(s)) for i, c, s in rows]


keyword_repository = KeywordRepository()
