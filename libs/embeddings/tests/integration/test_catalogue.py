"""The catalogue names every model Parley runs itself; build_provider resolves through it."""

from __future__ import annotations

import math

import pytest
from parley_embeddings.catalogue import MINILM, MODELS, USE_MULTILINGUAL, catalogue_model
from parley_embeddings.factory import build_provider
from parley_embeddings.local import LocalProvider
from parley_embeddings.local_runtimes.torch_encoder import TorchEncoder
from parley_schema.errors import ConfigurationError
from parley_schema.settings import ParleyBaseSettings


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_the_default_settings_name_the_catalogued_minilm() -> None:
    settings = ParleyBaseSettings()
    assert catalogue_model(settings.embedding_model) is MINILM
    assert settings.embedding_dim == MINILM.dimension


def test_an_unknown_model_is_refused_with_the_known_names() -> None:
    settings = ParleyBaseSettings(embedding_model="intfloat/e5-small", embedding_dim=384)
    with pytest.raises(ConfigurationError) as raised:
        build_provider(settings)
    assert "intfloat/e5-small" in raised.value.message
    for name in MODELS:
        assert name in raised.value.message


def test_a_catalogued_model_refuses_another_dimension() -> None:
    settings = ParleyBaseSettings(embedding_model=USE_MULTILINGUAL.name, embedding_dim=384)
    with pytest.raises(ConfigurationError, match="PARLEY_EMBEDDING_DIM=512"):
        build_provider(settings)


def test_minilm_input_limit_is_the_loaded_models() -> None:
    assert MINILM.max_input_tokens == TorchEncoder().max_seq_length


async def test_the_multilingual_model_builds_from_the_settings_and_matches_across_languages() -> (
    None
):
    settings = ParleyBaseSettings(
        embedding_model=USE_MULTILINGUAL.name, embedding_dim=USE_MULTILINGUAL.dimension
    )
    provider = build_provider(settings)
    assert isinstance(provider, LocalProvider)
    assert provider.model_name == USE_MULTILINGUAL.name
    invoice_en, invoice_de, password_de = await provider.embed(
        [
            "My invoice was charged twice this month",
            "Meine Rechnung wurde diesen Monat doppelt abgebucht",
            "Wie ändere ich mein Passwort?",
        ]
    )
    assert len(invoice_en) == USE_MULTILINGUAL.dimension
    assert math.isclose(cosine(invoice_en, invoice_en), 1.0, rel_tol=1e-5)
    assert cosine(invoice_en, invoice_de) > cosine(password_de, invoice_de) + 0.3
