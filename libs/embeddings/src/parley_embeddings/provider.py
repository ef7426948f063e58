"""The one interface every embedding backend implements.

Vectors come back L2-normalised, so cosine distance is the right metric for all of them.
``model_name`` is what ``rag_chunks.embedding_model`` records; a query must be embedded by a
provider with the same ``model_name`` as the vectors it is compared with.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class EmbeddingProvider(Protocol):
    @property
    def model_name(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One normalised vector per text, in order. Raises EmbeddingError subclasses."""
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens the model sees for ``text`` (without special tokens)."""
        ...
