"""Picks the embedding provider the settings name."""

from __future__ import annotations

from parley_schema.errors import ConfigurationError
from parley_schema.settings import EmbeddingProviderName, ParleyBaseSettings

from parley_embeddings.catalogue import MODELS, catalogue_model
from parley_embeddings.openai_compatible import OpenAICompatibleProvider, RequestLimits
from parley_embeddings.provider import EmbeddingProvider

# Servers such as vLLM, TEI and Ollama accept any key; the SDK insists on one.
UNUSED_API_KEY = "unused"


def build_provider(
    settings: ParleyBaseSettings, *, limits: RequestLimits | None = None
) -> EmbeddingProvider:
    """The provider ``PARLEY_EMBEDDING_PROVIDER`` names; ``limits`` apply to ``openai``.

    The local provider runs the catalogued model ``PARLEY_EMBEDDING_MODEL`` names."""
    if settings.embedding_provider is EmbeddingProviderName.LOCAL:
        model = catalogue_model(settings.embedding_model)
        if settings.embedding_dim != model.dimension:
            raise ConfigurationError(
                f"{model.name} makes {model.dimension}-d vectors but PARLEY_EMBEDDING_DIM is "
                f"{settings.embedding_dim}; set PARLEY_EMBEDDING_DIM={model.dimension}"
            )
        return model.load(settings)
    if settings.embedding_provider is EmbeddingProviderName.OPENAI:
        return _build_openai(settings, limits)
    raise ConfigurationError(f"embedding provider {settings.embedding_provider} is not available")


def _build_openai(
    settings: ParleyBaseSettings, limits: RequestLimits | None
) -> OpenAICompatibleProvider:
    base_url = str(settings.openai_base_url) if settings.openai_base_url else None
    if settings.openai_api_key is not None:
        api_key = settings.openai_api_key.get_secret_value()
    elif base_url is not None:
        api_key = UNUSED_API_KEY
    else:
        raise ConfigurationError(
            "PARLEY_EMBEDDING_PROVIDER=openai needs PARLEY_OPENAI_API_KEY "
            "(or PARLEY_OPENAI_BASE_URL for a server that needs no key)"
        )
    if settings.embedding_model in MODELS and base_url is None:
        raise ConfigurationError(
            f"PARLEY_EMBEDDING_MODEL={settings.embedding_model} is a local model; name an "
            "OpenAI embedding model (e.g. text-embedding-3-small) for the openai provider"
        )
    return OpenAICompatibleProvider.connect(
        model=settings.embedding_model,
        dimension=settings.embedding_dim,
        api_key=api_key,
        base_url=base_url,
        limits=limits,
    )
