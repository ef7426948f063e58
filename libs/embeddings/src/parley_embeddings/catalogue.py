"""The embedding models Parley runs itself, by the name ``rag_chunks.embedding_model``
records: how to build each one's provider, its dimension, languages and input limit.

``PARLEY_EMBEDDING_PROVIDER=local`` resolves ``PARLEY_EMBEDDING_MODEL`` here (the OpenAI
provider takes any name its server knows, so its models are not listed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from parley_schema.errors import ConfigurationError
from parley_schema.settings import LocalModelRuntime, ParleyBaseSettings

from parley_embeddings.local import LocalProvider
from parley_embeddings.local_runtimes import (
    LOCAL_DIMENSION,
    LOCAL_MODEL_NAME,
    LocalEncoder,
    load_encoder,
)
from parley_embeddings.use_multilingual import (
    USE_DIMENSION,
    USE_LANGUAGES,
    USE_MODEL_NAME,
    UseEncoder,
)


@dataclass(frozen=True, kw_only=True)
class CatalogueModel:
    """One model: ``load`` builds its provider from the local-model settings (runtime, data
    dir, batch size, workers). ``max_input_tokens`` is how much of a text it reads (None:
    all of it); ``languages`` are BCP 47 tags; ``runtimes`` the choices of
    ``PARLEY_LOCAL_MODEL_RUNTIME`` it honours (none: it has one runtime of its own)."""

    name: str
    dimension: int
    languages: tuple[str, ...]
    max_input_tokens: int | None
    runtimes: tuple[LocalModelRuntime, ...]
    load: Callable[[ParleyBaseSettings], LocalProvider]


class UnknownModelError(ConfigurationError):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"unknown embedding model {name!r}; the local models are: {', '.join(MODELS)}"
        )


def _load_minilm(settings: ParleyBaseSettings) -> LocalProvider:
    encoder = load_encoder(
        settings.local_model_runtime,
        data_dir=settings.data_dir,
        parallel_passes=settings.local_model_workers,
        precision=settings.local_model_precision,
    )
    return _provider(encoder, settings)


def _load_use(settings: ParleyBaseSettings) -> LocalProvider:
    return _provider(UseEncoder(parallel_passes=settings.local_model_workers), settings)


def _provider(encoder: LocalEncoder, settings: ParleyBaseSettings) -> LocalProvider:
    return LocalProvider(
        encoder,
        batch_size=settings.local_model_batch_size,
        workers=settings.local_model_workers,
    )


MINILM = CatalogueModel(
    name=LOCAL_MODEL_NAME,
    dimension=LOCAL_DIMENSION,
    languages=("en",),
    max_input_tokens=256,  # its sentence_bert_config.json; the rest of a text is cut off
    runtimes=tuple(LocalModelRuntime),
    load=_load_minilm,
)
USE_MULTILINGUAL = CatalogueModel(
    name=USE_MODEL_NAME,
    dimension=USE_DIMENSION,
    languages=USE_LANGUAGES,
    max_input_tokens=None,
    runtimes=(),
    load=_load_use,
)

MODELS: Mapping[str, CatalogueModel] = {model.name: model for model in (MINILM, USE_MULTILINGUAL)}


def catalogue_model(name: str) -> CatalogueModel:
    """The model called ``name``; UnknownModelError (naming the known ones) otherwise."""
    try:
        return MODELS[name]
    except KeyError:
        raise UnknownModelError(name) from None
