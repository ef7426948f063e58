"""The ``llm`` generator: any OpenAI-compatible ``POST /chat/completions`` (Ollama, vLLM,
OpenAI), over httpx.

The prompt numbers nothing: it gives each passage with the id it must be cited by and forbids
claims without a citation; the caller checks the answer (``citations.check``). The question
and every passage pass through the configured redactors before they leave the process.
No retries: a draft is wanted now, and the extractive one is the fallback.
Response shapes (OpenAI's documented ones): ``choices[0].message.content``; streamed,
``data: {"choices": [{"delta": {"content": …}}]}`` lines ending with ``data: [DONE]``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
from parley_schema.redaction import Redactor

from parley_search_api.answers.citations import marker
from parley_search_api.answers.evidence import Retrieved
from parley_search_api.answers.generators import GenerationFailed
from parley_search_api.answers.schemas import FallbackReason
from parley_search_api.settings import GeneratorName, SearchSettings

SYSTEM_PROMPT = """You draft replies that a support agent will send to a customer.
Use only the sources below: past agent replies that resolved similar conversations, and
knowledge base passages. After every sentence, cite the sources it relies on by their ids in
square brackets exactly as given, e.g. [cwmsg:1:42]. Never cite an id that is not listed.
Never state anything that no source supports; leave out what the sources do not cover.
Answer in the customer's language, in at most five sentences."""


def _unavailable(detail: str) -> GenerationFailed:
    return GenerationFailed(FallbackReason.UNAVAILABLE, detail)


def _content(body: Any) -> str:
    try:
        content = body["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError) as error:
        raise _unavailable(f"unreadable chat completion: {error!r}") from error
    if not isinstance(content, str):
        raise _unavailable("chat completion without text content")
    return content


def _delta(line: str) -> str | None:
    """The text of one streamed ``data:`` line (None: the end or nothing to add)."""
    if not line.startswith("data:"):
        return None  # blank separators, comments, other fields
    data = line[len("data:") :].strip()
    if data == "[DONE]":
        return None
    try:
        content = json.loads(data)["choices"][0]["delta"].get("content")
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as error:
        raise _unavailable(f"unreadable stream chunk: {error!r}") from error
    return content if isinstance(content, str) and content else None


class LlmGenerator:
    name = GeneratorName.LLM

    def __init__(self, settings: SearchSettings, client: httpx.AsyncClient) -> None:
        if settings.llm_base_url is None:
            raise ValueError("the llm generator needs PARLEY_LLM_BASE_URL")
        self._url = str(settings.llm_base_url).rstrip("/") + "/chat/completions"
        self._model = settings.llm_model
        self._max_tokens = settings.llm_max_tokens
        self._timeout = httpx.Timeout(settings.llm_timeout_s)
        key = settings.llm_api_key
        self._headers = {"Authorization": f"Bearer {key.get_secret_value()}"} if key else {}
        self._redactor = Redactor(
            settings.llm_redact, phone_region=settings.llm_redact_phone_region
        )
        self._client = client

    def messages(self, question: str, retrieved: Retrieved) -> list[dict[str, str]]:
        """What the model is sent, redacted."""
        sources = "\n\n".join(
            f"{marker(e)} ({e.kind.value})\n{self._redactor.text(e.text)}" for e in retrieved.all
        )
        user = f"Sources:\n\n{sources}\n\nCustomer's question:\n{self._redactor.text(question)}"
        return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]

    def _body(self, question: str, retrieved: Retrieved, *, stream: bool) -> dict[str, Any]:
        return {
            "model": self._model,
            "messages": self.messages(question, retrieved),
            "temperature": 0,
            "max_tokens": self._max_tokens,
            "stream": stream,
        }

    async def complete(self, question: str, retrieved: Retrieved) -> str:
        try:
            response = await self._client.post(
                self._url,
                json=self._body(question, retrieved, stream=False),
                headers=self._headers,
                timeout=self._timeout,
            )
        except httpx.HTTPError as error:
            raise _unavailable(f"{type(error).__name__}") from error
        if response.status_code != httpx.codes.OK:
            raise _unavailable(f"chat endpoint answered {response.status_code}")
        try:
            body = response.json()
        except ValueError as error:
            raise _unavailable("chat completion is not JSON") from error
        return _content(body)

    async def stream(self, question: str, retrieved: Retrieved) -> AsyncIterator[str]:
        try:
            async with self._client.stream(
                "POST",
                self._url,
                json=self._body(question, retrieved, stream=True),
                headers=self._headers,
                timeout=self._timeout,
            ) as response:
                if response.status_code != httpx.codes.OK:
                    raise _unavailable(f"chat endpoint answered {response.status_code}")
                async for line in response.aiter_lines():
                    piece = _delta(line)
                    if piece is not None:
                        yield piece
        except httpx.HTTPError as error:
            raise _unavailable(f"{type(error).__name__}") from error
