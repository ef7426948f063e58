"""What ANALYZE knows of chunk lexemes: the share of chunks that hold each of the most common.

ANALYZE keeps the most common elements of each configuration's indexed text vector (the stored
column, or the expression index, whose one column pg_stats names after it), each with the
share of the sampled rows that hold it: at 1M chunks the statistics target 300 (migration 0017)
keeps ~3,000 lexemes, down to ~0.05 % of the chunks (the default 100 kept 1,000, down to
~0.3 %). A lexeme missing from them is rarer than those kept,
or the table has never been analysed. Shares are of the whole table (every project's chunks),
as a search engine's document frequencies are of its whole index.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import Float, Subquery, Text, text

from parley_search_api.settings import TextSearchConfig

_STATISTICS_OF: dict[TextSearchConfig, str] = {
    TextSearchConfig.ENGLISH: "rag_chunks",
    TextSearchConfig.SIMPLE: "ix_rag_chunks_fts_simple",
}
_SHARES_SQL = """
SELECT e.lexeme, e.share
FROM pg_stats s
CROSS JOIN LATERAL unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs)
    AS e(lexeme, share)
WHERE s.schemaname = current_schema() AND s.tablename = :statistics
  AND (s.tablename <> 'rag_chunks' OR s.attname = 'text_tsv')
  AND e.lexeme IS NOT NULL
"""
# The chunks in the table by the planner's estimate; counted, up to this many, when the table
# has never been analysed (reltuples -1) or was analysed empty.
COUNT_WITHOUT_STATISTICS = 100_000
_CHUNKS_SQL = """
SELECT CASE WHEN c.reltuples > 0 THEN c.reltuples
  ELSE (SELECT count(*) FROM (SELECT 1 FROM rag_chunks LIMIT :cap) s) END AS chunks
FROM pg_class c WHERE c.oid = 'rag_chunks'::regclass
"""


# Built once each (constructs are immutable): every keyword search reads them.
@cache
def lexeme_shares(config: TextSearchConfig) -> Subquery:
    """``(lexeme, share)`` of every lexeme ANALYZE keeps for ``config``'s text vector."""
    return (
        text(_SHARES_SQL)
        .bindparams(statistics=_STATISTICS_OF[config])
        .columns(lexeme=Text, share=Float)
        .subquery("shares")
    )


@cache
def table_chunks() -> Subquery:
    """``(chunks)``: one row, the chunks in the table (the planner's estimate)."""
    return (
        text(_CHUNKS_SQL)
        .bindparams(cap=COUNT_WITHOUT_STATISTICS)
        .columns(chunks=Float)
        .subquery("size")
    )
