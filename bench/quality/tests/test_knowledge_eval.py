from __future__ import annotations

from pathlib import Path

import pytest
from dataset import DatasetError, Query
from documents import load_article_queries, load_documents
from knowledge_eval import article_first, conversation_effect, ranking

DATA = Path(__file__).parent.parent / "data"


def test_the_shipped_documents_and_article_queries_load() -> None:
    documents = load_documents(DATA / "documents.jsonl")
    queries = load_article_queries(DATA / "article_queries.jsonl", documents)
    assert len(documents) >= 8
    assert {q.kind for q in queries} == {"article"}
    assert all(set(q.relevant) <= {d.id for d in documents} for q in queries)


def test_an_article_query_naming_an_unknown_document_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"qid": "a", "query": "x", "relevant": {"d-999": 2}}\n')
    with pytest.raises(DatasetError, match=r"q\.jsonl:1"):
        load_article_queries(path, load_documents(DATA / "documents.jsonl"))


def test_hits_map_to_conversations_and_documents_once_each() -> None:
    hits = [
        {"kind": "message", "conversation": {"id": "cw:1:1"}, "document": None},
        {"kind": "article", "conversation": None, "document": {"id": "cwart:1:1"}},
        {"kind": "message", "conversation": {"id": "cw:1:1"}, "document": None},
    ]
    assert ranking(hits, {"cw:1:1": "c-001", "cwart:1:1": "d-001"}) == ["c-001", "d-001"]


def test_a_conversation_pushed_out_of_the_top_ten_is_named() -> None:
    query = Query("q", "x", {"c-1": 2}, "topic")
    before = {"q": ["c-1"]}
    after = {"q": [f"d-{n}" for n in range(10)] + ["c-1"]}
    effect = conversation_effect([query], before, after)
    assert effect.pushed_out == ["q"]
    assert effect.recall == (1.0, 0.0)
    assert conversation_effect([query], before, before).pushed_out == []


def test_an_article_is_first_only_above_every_conversation() -> None:
    query = Query("a", "x", {"d-1": 2}, "article")
    assert article_first(query, ["d-2", "d-1", "c-1"], {"c-1"})
    assert not article_first(query, ["c-1", "d-1"], {"c-1"})
