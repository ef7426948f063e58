"""Postgres full-text expressions over chunk text, shared by candidate search and highlights."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from parley_schema.models import RagChunk
from sqlalchemy import ColumnElement, func, literal, literal_column

from parley_search_api.search import keyword_query
from parley_search_api.settings import TextSearchConfig

# Constants, not bind parameters: an expression index (``ix_rag_chunks_fts_<config>``) only
# serves the same constant expression. Built once, at import.
_REGCONFIGS: dict[TextSearchConfig, ColumnElement[Any]] = {
    config: literal_column(f"'{config.value}'::regconfig") for config in TextSearchConfig
}


def regconfig(config: TextSearchConfig) -> ColumnElement[Any]:
    """The text-search configuration as a SQL ``regconfig`` constant."""
    return _REGCONFIGS[config]


SIMPLE = regconfig(TextSearchConfig.SIMPLE)  # no stemming or stop words: names, lexemes


def unaccented_text() -> ColumnElement[str]:
    return func.parley_unaccent(RagChunk.text)


def text_vector(config: TextSearchConfig) -> ColumnElement[Any]:
    """The stored ``text_tsv`` (english, unaccented), or exactly the expression of the
    ``ix_rag_chunks_fts_<config>`` index for other configurations."""
    if config is TextSearchConfig.ENGLISH:
        return RagChunk.text_tsv  # type: ignore[return-value]
    return func.to_tsvector(regconfig(config), unaccented_text())


# tsquery text is never parsed from the user's words: unaccent turns ``½`` into `` 1/2``,
# which ``to_tsquery`` refuses (a 500). ``websearch_to_tsquery`` and ``plainto_tsquery`` read
# any text, split it into lexemes and quote each one themselves.


def any_of(terms: Sequence[str]) -> str:
    """Web-search syntax matching any of ``terms`` (words, or ``"phrases"`` quoted)."""
    return " or ".join(terms)


def text_query(config: TextSearchConfig, query: str | ColumnElement[str]) -> ColumnElement[Any]:
    """The query (text, or a bound parameter of it) as web-search syntax (words,
    ``"phrases"``, ``or``, ``-word``) over its unaccented lexemes; any text is valid."""
    value = query if isinstance(query, ColumnElement) else literal(query)
    return func.websearch_to_tsquery(regconfig(config), func.parley_unaccent(value))


def highlight_terms(query: str) -> str:
    """What a keyword hit may have of the query (keyword_query.py), for ``text_query``: any
    of its loose words and phrases, OR-ed in web-search syntax (exclusions are never in a
    hit)."""
    parsed = keyword_query.parse(query)
    return any_of([*parsed.words, *(f'"{p}"' for p in parsed.phrases)])
