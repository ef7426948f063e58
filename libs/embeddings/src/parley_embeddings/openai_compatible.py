"""Embeddings from OpenAI or any server that speaks its ``/v1/embeddings`` API.

``base_url`` points the official SDK at vLLM, TEI, Ollama or a gateway. Requests are split
to respect the API's size limits (inputs per request, tokens per request). The SDK's own
retries are off: the caller decides about retrying from the error class, and a 429's
``Retry-After`` travels in :class:`TransientEmbeddingError`.

Token counts: these servers do not expose their tokenizer offline, so ``count_tokens``
estimates (about four UTF-8 bytes per token, what English text averages with OpenAI's
tokenizers) for chunk sizing, while request limits use the UTF-8 byte length, a hard upper
bound on the tokens any byte-level tokenizer produces.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import openai
from parley_schema.retrying import retry_after_seconds

from parley_embeddings.errors import PermanentEmbeddingError, TransientEmbeddingError

BYTES_PER_TOKEN_ESTIMATE = 4
# Models that accept the ``dimensions`` request field (shortened embeddings).
DIMENSIONS_MODEL_PREFIXES = ("text-embedding-3",)


@dataclass(frozen=True)
class RequestLimits:
    """OpenAI's documented limits; lower them for servers with smaller ones."""

    max_inputs: int = 2048
    max_tokens: int = 300_000
    timeout_s: float = 30.0


class OpenAICompatibleProvider:
    def __init__(
        self,
        client: openai.AsyncOpenAI,
        *,
        model: str,
        dimension: int,
        send_dimensions: bool,
        limits: RequestLimits | None = None,
    ) -> None:
        self._client = client
        self._model = model
        self._dimension = dimension
        self._send_dimensions = send_dimensions
        self._limits = limits or RequestLimits()

    @classmethod
    def connect(
        cls,
        *,
        model: str,
        dimension: int,
        api_key: str,
        base_url: str | None = None,
        limits: RequestLimits | None = None,
    ) -> OpenAICompatibleProvider:
        limits = limits or RequestLimits()
        client = openai.AsyncOpenAI(
            api_key=api_key, base_url=base_url, max_retries=0, timeout=limits.timeout_s
        )
        return cls(
            client,
            model=model,
            dimension=dimension,
            send_dimensions=model.startswith(DIMENSIONS_MODEL_PREFIXES),
            limits=limits,
        )

    @property
    def model_name(self) -> str:
        return self._model

    @property
    def dimension(self) -> int:
        return self._dimension

    def count_tokens(self, text: str) -> int:
        return math.ceil(len(text.encode()) / BYTES_PER_TOKEN_ESTIMATE)

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for batch in self._requests(texts):
            vectors.extend(await self._embed_request(batch))
        return vectors

    async def close(self) -> None:
        await self._client.close()

    def _requests(self, texts: Sequence[str]) -> Iterator[list[str]]:
        batch: list[str] = []
        budget = 0
        for text in texts:
            if not text:
                raise PermanentEmbeddingError("cannot embed an empty text")
            size = len(text.encode())
            if batch and (
                len(batch) >= self._limits.max_inputs or budget + size > self._limits.max_tokens
            ):
                yield batch
                batch, budget = [], 0
            batch.append(text)
            budget += size
        if batch:
            yield batch

    async def _embed_request(self, batch: list[str]) -> list[list[float]]:
        try:
            # The raw response: building the SDK's pydantic objects for thousands of floats
            # costs more CPU than the rest of the embedder's work per message.
            raw = await self._client.embeddings.with_raw_response.create(
                input=batch,
                model=self._model,
                encoding_format="float",
                dimensions=self._dimension if self._send_dimensions else openai.omit,
            )
        except openai.APIStatusError as error:
            raise _classify(error) from error
        except openai.APIConnectionError as error:  # includes timeouts
            raise TransientEmbeddingError(f"embedding server unreachable: {error}") from error
        data = _embeddings(raw.text)
        if len(data) != len(batch):
            raise PermanentEmbeddingError(
                f"embedding server returned {len(data)} vectors for {len(batch)} inputs"
            )
        return [self._checked(vector) for vector in data]

    def _checked(self, vector: list[float]) -> list[float]:
        if len(vector) != self._dimension:
            raise PermanentEmbeddingError(
                f"model {self._model} returned {len(vector)}-d vectors, expected "
                f"{self._dimension} (PARLEY_EMBEDDING_DIM)"
            )
        norm = math.sqrt(sum(x * x for x in vector))
        if norm == 0:
            raise PermanentEmbeddingError("embedding server returned a zero vector")
        return [x / norm for x in vector]


def _embeddings(body: str) -> list[list[float]]:
    """The vectors of a ``/v1/embeddings`` response body, in input order."""
    try:
        items = json.loads(body)["data"]
        ordered = sorted(items, key=lambda item: int(item["index"]))
        return [[float(x) for x in item["embedding"]] for item in ordered]
    except (ValueError, KeyError, TypeError) as error:
        raise PermanentEmbeddingError(f"unreadable embeddings response: {error}") from error


def _classify(error: openai.APIStatusError) -> TransientEmbeddingError | PermanentEmbeddingError:
    status = error.status_code
    message = f"embedding server answered {status}: {_reason(error)}"
    if status == 429:
        return TransientEmbeddingError(message, retry_after_s=_retry_after(error))
    if status == 408 or status == 409 or status >= 500:
        return TransientEmbeddingError(message)
    return PermanentEmbeddingError(message)


def _reason(error: openai.APIStatusError) -> str:
    body = error.body
    if isinstance(body, dict):
        detail = body.get("error", body)
        if isinstance(detail, dict) and isinstance(detail.get("message"), str):
            return str(detail["message"])
    return error.message


def _retry_after(error: openai.APIStatusError) -> float | None:
    """Seconds from OpenAI's ``retry-after-ms`` or the standard ``Retry-After``, when given."""
    headers = error.response.headers
    milliseconds = retry_after_seconds(headers.get("retry-after-ms"))
    if milliseconds is not None:
        return milliseconds / 1000
    return retry_after_seconds(headers.get("retry-after"))
