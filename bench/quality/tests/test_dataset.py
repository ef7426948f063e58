"""The shipped quality set and the dataset reader's checks (pure, no database)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from dataset import (
    Contact,
    Conversation,
    DatasetError,
    Turn,
    contact_numbers,
    contact_of,
    load_conversations,
    load_queries,
    normalised,
)
from generate import COUNT, SEED, corpus, generate, read_rows

DATA = Path(__file__).parent.parent / "data"


@pytest.fixture(scope="module")
def conversations() -> list[Conversation]:
    return load_conversations(DATA / "conversations.jsonl")


def test_the_shipped_set_has_150_queries_in_equal_thirds_over_1000_conversations(
    conversations: list[Conversation],
) -> None:
    queries = load_queries(DATA / "queries.jsonl", {c.id for c in conversations})

    assert len(conversations) >= 1000
    assert len(queries) >= 150
    assert Counter(q.kind for q in queries) == {
        kind: len(queries) // 3 for kind in ("topic", "paraphrase", "identifier")
    }


def test_the_shipped_corpus_speaks_german_spanish_and_french() -> None:
    rows = [json.loads(line) for line in (DATA / "conversations.jsonl").open(encoding="utf-8")]

    languages = Counter(row["meta"].get("language", "en") for row in rows)

    assert all(languages[language] >= 20 for language in ("de", "es", "fr"))


def test_every_identifier_is_in_exactly_the_conversations_graded_for_it(
    conversations: list[Conversation],
) -> None:
    queries = load_queries(DATA / "queries.jsonl", {c.id for c in conversations})

    def searchable(conversation: Conversation) -> str:
        contact = contact_of(conversation)
        parts = [turn.text for turn in conversation.turns] + [contact.name, contact.email or ""]
        return normalised(" ".join(parts))

    texts = {c.id: searchable(c) for c in conversations}
    for query in (q for q in queries if q.kind == "identifier"):
        containing = {cid for cid, text in texts.items() if normalised(query.query) in text}
        answering = {cid for cid, grade in query.relevant.items() if grade == 2}
        assert containing == answering, query.qid


def test_the_first_samples_kinds_are_read_as_the_new_ones(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    rows = [
        {"qid": "a", "query": "x", "relevant": {"c": 2}, "kind": "known_item"},
        {"qid": "b", "query": "ORD-1", "relevant": {"c": 2}, "kind": "exact_identifier"},
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))

    assert [q.kind for q in load_queries(path, {"c"})] == ["paraphrase", "identifier"]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"qid": "q", "query": "x", "relevant": {"c": 2}, "kind": "mystery"}, "kind must be"),
        ({"qid": "q", "query": "x", "relevant": {"c": 1}, "kind": "topic"}, "grade 2"),
        ({"qid": "q", "query": "x", "relevant": {"c": 3}, "kind": "topic"}, "1|2"),
        ({"qid": "q", "query": " ", "relevant": {"c": 2}, "kind": "topic"}, "needs qid"),
    ],
)
def test_a_malformed_query_is_refused_with_its_reason(
    tmp_path: Path, row: dict[str, object], reason: str
) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps(row) + "\n")

    with pytest.raises(DatasetError, match=reason):
        load_queries(path, {"c"})


def test_a_repeated_qid_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    row = json.dumps({"qid": "q", "query": "x", "relevant": {"c": 2}, "kind": "topic"})
    path.write_text(f"{row}\n{row}\n")

    with pytest.raises(DatasetError, match="duplicate qid"):
        load_queries(path, {"c"})


@pytest.mark.parametrize(
    ("meta", "reason"),
    [
        ({"status": "snoozed"}, "meta.status"),
        ({"contact": {"email": "a@example.com"}}, "meta.contact"),
        ({"contact": "Ann"}, "meta.contact"),
    ],
)
def test_bad_conversation_meta_is_refused(
    tmp_path: Path, meta: dict[str, object], reason: str
) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(
        json.dumps({"id": "c", "turns": [{"role": "customer", "text": "hi"}], "meta": meta}) + "\n"
    )

    with pytest.raises(DatasetError, match=reason):
        load_conversations(path)


def test_conversations_of_one_customer_share_a_contact() -> None:
    turns = (Turn("customer", "hi"),)
    ann = Contact("Ann Lee", "ann@example.com")
    conversations = [
        Conversation("a", turns, contact=ann),
        Conversation("b", turns, contact=Contact("Bo Ek")),
        Conversation("c", turns, contact=Contact("Ann L.", "ANN@example.com")),
        Conversation("d", turns),
        Conversation("e", turns, contact=Contact("Bo Ek")),
    ]

    assert contact_numbers(conversations) == {"a": 1, "b": 2, "c": 1, "d": 3, "e": 2}
    assert contact_of(conversations[3]) == Contact("d")


def test_the_shipped_distractors_are_what_the_generator_writes() -> None:
    rows = read_rows(DATA / "conversations.jsonl")

    assert corpus(rows, count=COUNT, seed=SEED) == rows


def test_no_distractor_is_named_like_a_customer_a_query_names() -> None:
    def names(taken: set[str]) -> list[str]:
        rows = generate(COUNT, SEED, taken)
        return [normalised(row["meta"]["contact"]["name"]) for row in rows]

    assert "sophie wagner" in names(set())  # the name lists can make it
    assert "sophie wagner" not in names({"sophie wagner"})
