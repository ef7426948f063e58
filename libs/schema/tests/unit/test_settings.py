from __future__ import annotations

import pytest
from parley_schema.errors import ConfigurationError
from parley_schema.settings import (
    DEFAULT_DATABASE_URL,
    ParleyBaseSettings,
    load_settings,
    load_settings_or_exit,
)


def test_defaults_point_at_the_local_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PARLEY_DATABASE_URL", "PARLEY_AMQP_URL", "PARLEY_EMBEDDING_DIM"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(ParleyBaseSettings)
    assert settings.database_url_str == DEFAULT_DATABASE_URL
    assert str(settings.amqp_url) == "amqp://guest:guest@127.0.0.1:5672/"
    assert (settings.ingest_port, settings.search_api_port, settings.auth_port) == (
        8001,
        8002,
        8003,
    )
    assert settings.embedding_dim == 384
    assert settings.uses_embedded_database()


def test_plain_postgres_urls_get_the_asyncpg_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARLEY_DATABASE_URL", "postgresql://u:p@db:5432/parley")
    settings = load_settings(ParleyBaseSettings)
    assert settings.database_url_str == "postgresql+asyncpg://u:p@db:5432/parley"
    assert not settings.uses_embedded_database()


def test_invalid_settings_are_reported_in_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PARLEY_INGEST_PORT", "99999")
    monkeypatch.setenv("PARLEY_LOG_LEVEL", "chatty")
    with pytest.raises(ConfigurationError) as caught:
        load_settings(ParleyBaseSettings)
    message = caught.value.message
    assert "\n" not in message
    assert "PARLEY_INGEST_PORT" in message
    assert "PARLEY_LOG_LEVEL" in message


def test_entry_points_exit_with_code_2_on_bad_settings(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PARLEY_AMQP_URL", "not a url")
    with pytest.raises(SystemExit) as caught:
        load_settings_or_exit(ParleyBaseSettings)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("parley: invalid settings: PARLEY_AMQP_URL")
    assert err.count("\n") == 1
