"""Settings that would make the webhook routes weak stop the process with one readable line."""

from __future__ import annotations

import json

import pytest
from parley_ingest.settings import IngestSettings
from parley_schema.errors import ConfigurationError
from parley_schema.settings import load_settings

SHORT_TOKEN = "only-31-characters-long-0123456"


def test_a_url_token_shorter_than_32_characters_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert len(SHORT_TOKEN) == 31
    tokens = {"1": "a" * 32, "2": SHORT_TOKEN}
    monkeypatch.setenv("PARLEY_CHATWOOT_WEBHOOK_URL_TOKENS", json.dumps(tokens))
    with pytest.raises(ConfigurationError) as refused:
        load_settings(IngestSettings)
    message = refused.value.message
    assert message.startswith("invalid settings: PARLEY_CHATWOOT_WEBHOOK_URL_TOKENS: ")
    assert "account 2 " in message
    assert "\n" not in message
    assert SHORT_TOKEN not in message


def test_url_tokens_of_32_characters_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARLEY_CHATWOOT_WEBHOOK_URL_TOKENS", json.dumps({"1": "b" * 32}))
    settings = load_settings(IngestSettings)
    assert settings.chatwoot_webhook_url_tokens[1].get_secret_value() == "b" * 32
