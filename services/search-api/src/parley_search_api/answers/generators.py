"""Who writes a draft: one interface, an offline extractive generator and an LLM one.

A generator returns its draft whole (``complete``) or in text pieces (``stream``); the
caller checks the citations (``citations.check``) whoever wrote them. ``GenerationFailed``
means no draft.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from typing import Protocol

from parley_search_api.answers.citations import marker
from parley_search_api.answers.evidence import Evidence, Retrieved
from parley_search_api.answers.schemas import FallbackReason
from parley_search_api.settings import GeneratorName

# A sentence ends at ., !, ? or … followed by white space.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


class GenerationFailed(Exception):
    def __init__(self, reason: FallbackReason, detail: str) -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail


class Generator(Protocol):
    name: GeneratorName

    async def complete(self, question: str, retrieved: Retrieved) -> str:
        """The draft; raises GenerationFailed."""
        ...

    def stream(self, question: str, retrieved: Retrieved) -> AsyncIterator[str]:
        """The draft in pieces; raises GenerationFailed."""
        ...


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(" ".join(text.split())) if s.strip()]


def _cited(evidence: Evidence) -> str:
    return " ".join(f"{sentence} {marker(evidence)}" for sentence in sentences(evidence.text))


def extractive_draft(retrieved: Retrieved) -> str:
    """The best resolving reply, then the best knowledge passage, each sentence cited."""
    best: Sequence[Evidence] = [
        side[0] for side in (retrieved.replies, retrieved.knowledge) if side
    ]
    return "\n\n".join(_cited(evidence) for evidence in best)


class ExtractiveGenerator:
    name = GeneratorName.EXTRACTIVE

    async def complete(self, question: str, retrieved: Retrieved) -> str:
        return extractive_draft(retrieved)

    async def stream(self, question: str, retrieved: Retrieved) -> AsyncIterator[str]:
        draft = extractive_draft(retrieved)
        if draft:
            yield draft
