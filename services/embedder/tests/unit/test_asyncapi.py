"""The committed AsyncAPI document is the one the code generates, and it covers the contract."""

from __future__ import annotations

import json
from pathlib import Path

from faststream.rabbit import RabbitBroker
from faststream.rabbit.subscriber import RabbitSubscriber
from parley_embedder.asyncapi import asyncapi_document, asyncapi_json, event_payloads
from parley_embedder.consumer.handlers import subscribe
from parley_embedder.topology import EMBEDDER
from parley_schema.events import EventPayload

DOCUMENT = Path(__file__).resolve().parents[4] / "docs" / "asyncapi.json"


def test_the_committed_document_is_what_the_code_generates() -> None:
    assert DOCUMENT.read_text() == asyncapi_json(), (
        "docs/asyncapi.json is stale: run `parley embedder asyncapi > docs/asyncapi.json`"
    )


def test_every_event_type_is_published_persistently_on_its_routing_key() -> None:
    document = asyncapi_document()
    keys = {payload.ROUTING_KEY for payload in EventPayload.__subclasses__()}
    assert {payload.ROUTING_KEY for payload in event_payloads()} == keys
    for key in keys:
        operation = document["operations"][key]
        assert operation["action"] == "send"
        assert operation["bindings"]["amqp"]["deliveryMode"] == 2  # persistent, as the relay
        assert document["channels"][key]["bindings"]["amqp"]["exchange"]["name"] == (
            "parley.events"
        )


def test_the_subscription_is_the_one_the_embedder_consumes() -> None:
    broker = RabbitBroker(logger=None, apply_types=False)
    subscribe(broker, pipeline=None, prefetch=1, requeue_delay_s=0)  # type: ignore[arg-type]
    [live] = broker.subscribers
    assert isinstance(live, RabbitSubscriber)
    channel = asyncapi_document()["channels"][EMBEDDER.name]
    assert channel["bindings"]["amqp"]["queue"]["name"] == live.queue.name == EMBEDDER.name
    assert channel["address"] == live.queue.routing_key == "message.#"


def test_each_event_message_carries_its_typed_payload() -> None:
    schemas = asyncapi_document()["components"]["schemas"]
    envelope = schemas["MessageUpsertedEventV1"]
    assert set(envelope["required"]) >= {"data", "occurred_at", "account_id"}
    assert envelope["properties"]["data"]["$ref"].endswith("/MessageUpsertedV1")
    assert "content_sha256" in json.dumps(schemas["MessageUpsertedV1"])
