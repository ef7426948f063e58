"""The similar section's data, its open rule and its precision (pure, no database)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from dataset import Conversation, DatasetError, Turn, load_conversations
from metrics import precision_at
from similar_eval import load_groups, open_view, ranked_precision

DATA = Path(__file__).parent.parent / "data" / "similar_conversations.jsonl"


def test_the_shipped_set_has_150_conversations_in_25_groups_each_solved_by_an_agent() -> None:
    conversations = load_conversations(DATA)
    groups = load_groups(DATA)

    sizes = Counter(groups.values())
    assert len(conversations) >= 150
    assert len(sizes) >= 25
    assert min(sizes.values()) >= 6  # five others to fill precision@5
    for conversation in conversations:
        assert conversation.turns[0].role == "customer"
        assert any(turn.role == "agent" for turn in conversation.turns)


def test_an_open_conversation_is_the_customers_turns_before_any_agents() -> None:
    conversation = Conversation(
        id="c",
        turns=(
            Turn("customer", "hi"),
            Turn("customer", "my parcel is lost"),
            Turn("agent", "I'll reship it"),
            Turn("customer", "thanks"),
        ),
    )

    assert [t.text for t in open_view(conversation).turns] == ["hi", "my parcel is lost"]


def test_precision_counts_empty_places_as_misses() -> None:
    assert precision_at(["a", "x", "b"], {"a", "b", "c"}, k=5) == pytest.approx(2 / 5)


def test_an_open_querys_finished_self_takes_no_place() -> None:
    groups = {"q": "g", "a": "g", "b": "g", "x": "h", "y": "h", "z": "h"}
    dataset_id_of = {"cw:1:1": "q", "cw:1:2": "a", "cw:1:3": "x"}

    ranked = ["cw:1:1", "cw:1:2", "cw:1:3", "y", "z", "b"]  # b is fifth once q is dropped

    assert ranked_precision(ranked, dataset_id_of, "q", groups) == pytest.approx(2 / 5)


def test_a_conversation_without_a_group_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text('{"id": "c", "turns": [{"role": "customer", "text": "x"}], "meta": {}}\n')

    with pytest.raises(DatasetError, match=r"meta\.group"):
        load_groups(path)
