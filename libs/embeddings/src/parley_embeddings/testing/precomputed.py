"""A provider for synthetic corpora: vectors without a model behind them.

Benchmarks load chunks with generated vectors; their queries are texts whose vectors were
generated alongside, looked up here by text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from parley_embeddings.local import LOCAL_DIMENSION, LOCAL_MODEL_NAME


class PrecomputedProvider:
    """Answers ``embed`` from a table of text → vector; counts tokens as words."""

    def __init__(self, vectors: Mapping[str, list[float]]) -> None:
        self._vectors = dict(vectors)

    @property
    def model_name(self) -> str:
        return LOCAL_MODEL_NAME

    @property
    def dimension(self) -> int:
        return LOCAL_DIMENSION

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return [self._vectors[text] for text in texts]

    def count_tokens(self, text: str) -> int:
        return len(text.split())
