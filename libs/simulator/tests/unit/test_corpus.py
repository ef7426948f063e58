from __future__ import annotations

import hashlib
import hmac
import json
from collections import Counter

from parley_simulator.corpus import build_corpus
from parley_simulator.delivery import account_of
from parley_simulator.signing import signed_headers


def test_the_same_seed_gives_the_same_deliveries() -> None:
    first, second = build_corpus(seed=3), build_corpus(seed=3)
    assert json.dumps(first.deliveries) == json.dumps(second.deliveries)
    assert json.dumps(build_corpus(seed=4).deliveries) != json.dumps(first.deliveries)


def test_the_demo_corpus_has_what_the_demo_promises() -> None:
    corpus = build_corpus()
    assert len(corpus.conversations) >= 300
    assert {c.account.id for c in corpus.conversations} == {1, 2}
    assert len({(c.account.id, c.inbox.id) for c in corpus.conversations}) >= 5
    assert {c.language for c in corpus.conversations} >= {"en", "de", "es", "fr"}
    assert len({c.topic for c in corpus.conversations}) >= 6
    events = Counter(body["event"] for body in corpus.deliveries)
    assert events["message_updated"] > 0
    assert events["conversation_status_changed"] > 0
    finals = corpus.final_messages.values()
    assert any(m.private for m in finals)
    assert any(m.deleted for m in finals)
    assert 0 < len(corpus.searchable()) < len(corpus.searchable(include_private=True))


def test_message_bodies_have_chatwoot_shapes() -> None:
    corpus = build_corpus(conversations=20)
    message = next(b for b in corpus.deliveries if b["event"] == "message_created")
    assert message["message_type"] in {"incoming", "outgoing"}
    assert isinstance(message["created_at"], str)  # ISO in webhooks
    conversation = message["conversation"]
    assert isinstance(conversation["created_at"], int)  # unix seconds in push data
    assert conversation["meta"]["sender"]["id"] > 0
    assert account_of(message) == conversation["account_id"]
    deleted = next(
        (b for b in build_corpus().deliveries if b.get("content_attributes", {}).get("deleted")),
        None,
    )
    assert deleted is not None
    assert deleted["event"] == "message_updated"


def test_signature_is_hmac_of_timestamp_dot_body() -> None:
    body = b'{"event":"message_created"}'
    headers = signed_headers("s3cret", body, timestamp=1700000000, delivery_id="d-1")
    expected = hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert headers["X-Chatwoot-Signature"] == f"sha256={expected}"
    assert headers["X-Chatwoot-Timestamp"] == "1700000000"
    assert headers["X-Chatwoot-Delivery"] == "d-1"


def test_demo_contacts_carry_both_use_cases_attributes_and_labels() -> None:
    corpus = build_corpus()
    shop = [c.contact for c in corpus.conversations if c.account.id == 1]
    recruiting = [c.contact for c in corpus.conversations if c.account.id == 2]
    assert all(
        {"customer_tier", "total_spent", "order_count"} <= c.custom_attributes.keys() for c in shop
    )
    assert all(
        {"lead_status", "qualification_score", "follower_count"} <= c.custom_attributes.keys()
        for c in recruiting
    )
    assert all(isinstance(c.custom_attributes["follower_count"], str) for c in recruiting)
    shop_labels = {label for c in shop for label in c.labels}
    recruiting_labels = {label for c in recruiting for label in c.labels}
    assert {"vip-customer", "repeat-buyer"} <= shop_labels
    assert {"qualified-lead", "hot-lead", "needs-human"} <= recruiting_labels
    hot = [c for c in recruiting if "hot-lead" in c.labels]
    assert 0 < len(hot) < len(recruiting) / 2  # a segment, not everyone
    created = next(b for b in corpus.deliveries if b["event"] == "contact_created")
    assert created["custom_attributes"] == next(
        c.contact.custom_attributes for c in corpus.conversations if c.contact.id == created["id"]
    )
    assert corpus.contact_labels()[(2, hot[0].id)] == hot[0].labels
