"""Picks the embedding provider the settings name."""

from __future__ import annotations

from parley_schema.errors import ConfigurationError
from parley_schema.settings import EmbeddingProviderName, ParleyBaseSettings

from parley_embeddings.local import LOCAL_DIMENSION, LocalProvider
from parley_embeddings.provider import EmbeddingProvider


def build_provider(settings: ParleyBaseSettings) -> EmbeddingProvider:
    if settings.embedding_provider is EmbeddingProviderName.LOCAL:
        if settings.embedding_dim != LOCAL_DIMENSION:
            raise ConfigurationError(
                f"the local model makes {LOCAL_DIMENSION}-d vectors but PARLEY_EMBEDDING_DIM is "
                f"{settings.embedding_dim}; set PARLEY_EMBEDDING_DIM={LOCAL_DIMENSION}"
            )
        return LocalProvider()
    raise ConfigurationError(f"embedding provider {settings.embedding_provider} is not available")
