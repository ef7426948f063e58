"""The multilingual labelled sample and the language slices it is reported in (pure)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from dataset import Query, language_slice, load_conversations, load_queries
from documents import load_documents
from generate import corpus, read_rows

DATA = Path(__file__).parent.parent / "data" / "multilingual"


def query(language: str | None, relevant: dict[str, int]) -> Query:
    return Query(qid="q", query="x", relevant=relevant, kind="topic", language=language)


def test_a_query_is_sliced_by_the_languages_of_its_answers() -> None:
    language_of: dict[str, str | None] = {"en1": "en", "de1": "de", "de2": "de", "x": None}

    assert language_slice(query("en", {"en1": 2, "de1": 1}), language_of) == "english"
    assert language_slice(query("de", {"de1": 2, "de2": 2}), language_of) == "same-language"
    assert language_slice(query("fr", {"de1": 2, "en1": 1}), language_of) == "cross-language"
    assert language_slice(query("de", {"de1": 2, "en1": 2}), language_of) == "mixed"
    assert language_slice(query(None, {"de1": 2}), language_of) is None
    assert language_slice(query("de", {"x": 2}), language_of) is None


def test_the_sample_has_each_slice_in_german_spanish_and_french() -> None:
    conversations = load_conversations(DATA / "conversations.jsonl")
    articles = load_documents(DATA / "documents.jsonl")
    language_of = {c.id: c.language for c in conversations} | {a.id: a.locale for a in articles}
    queries = load_queries(DATA / "queries.jsonl", set(language_of))

    slices = Counter(language_slice(q, language_of) for q in queries)
    assert slices == {"english": 8, "same-language": 24, "cross-language": 32}
    assert {q.language for q in queries} == {"en", "de", "es", "fr"}
    same = {q.language for q in queries if language_slice(q, language_of) == "same-language"}
    assert same == {"de", "es", "fr"}
    # every article answers some query
    graded = {i for q in queries for i, grade in q.relevant.items() if grade == 2}
    assert {a.id for a in articles} <= graded
    assert {c.language for c in conversations} == {"en", "de", "es", "fr"}


def test_the_distractors_are_what_the_generator_writes() -> None:
    rows = read_rows(DATA / "conversations.jsonl")

    assert corpus(rows, count=400, seed=24, data=DATA) == rows
