"""Failures of an embedding backend, classified so callers can retry or give up."""

from __future__ import annotations

from parley_schema.errors import ParleyError


class EmbeddingError(ParleyError):
    code = "embedding_error"
    status = 502


class TransientEmbeddingError(EmbeddingError):
    """Worth retrying: timeouts, 5xx, connection errors, rate limits."""

    code = "embedding_unavailable"
    status = 503

    def __init__(self, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class PermanentEmbeddingError(EmbeddingError):
    """Retrying cannot help: bad request, bad credentials, unknown model, wrong dimension."""
