from __future__ import annotations

import pytest
from parley_broker import has_declared_route, topic_matches


@pytest.mark.parametrize(
    ("pattern", "key", "matches"),
    [
        ("message.*", "message.upserted", True),
        ("message.*", "message.upserted.v1", False),
        ("message.#", "message.upserted.v1", True),
        ("message.#", "message", True),
        ("#", "contact.upserted.v1", True),
        ("*.upserted.*", "contact.upserted.v1", True),
        ("message.#", "conversation.upserted.v1", False),
    ],
)
def test_topic_patterns_match_as_rabbitmq_does(pattern: str, key: str, matches: bool) -> None:
    assert topic_matches(pattern, key) is matches


def test_message_events_have_a_declared_route_and_others_do_not() -> None:
    assert has_declared_route("message.upserted.v1")
    assert has_declared_route("message.deleted.v1")
    assert not has_declared_route("conversation.upserted.v1")
