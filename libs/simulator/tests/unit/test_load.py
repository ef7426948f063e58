from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from parley_simulator.delivery import account_of
from parley_simulator.load import customer_message, unique_word


def test_load_messages_are_customer_messages_carrying_their_word() -> None:
    rng = random.Random(1)
    started = datetime(2026, 1, 1, tzinfo=UTC)
    word = unique_word(rng, "probe")
    body = customer_message(
        4, 777, word, rng, started_at=started, sent_at=started + timedelta(seconds=9)
    )
    assert (body["event"], body["id"], body["message_type"]) == ("message_created", 777, "incoming")
    assert body["content"].endswith(f" {word}")
    assert "{" not in body["content"]
    assert body["conversation"]["id"] == 5
    assert body["conversation"]["created_at"] == int(started.timestamp())
    assert account_of(body) == 1


def test_unique_words_follow_the_seed_and_do_not_repeat() -> None:
    words = [unique_word(random.Random(2), "w") for _ in range(2)]
    assert words[0] == words[1]
    rng = random.Random(2)
    assert len({unique_word(rng, "w") for _ in range(1000)}) == 1000
