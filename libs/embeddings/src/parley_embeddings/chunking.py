"""Token-aware chunking with the embedding model's own tokenizer.

A text that fits in ``max_tokens`` stays one chunk. A longer one is cut at paragraph
boundaries, then sentence boundaries, then between words, and only as a last resort inside a
word; the pieces are packed greedily into chunks of at most ``max_tokens`` tokens, and each
chunk after the first starts with the trailing pieces of the previous one, up to
``overlap_tokens`` tokens, so a sentence cut at a boundary keeps its context.

Token counts come from the caller (``EmbeddingProvider.count_tokens``), so the limits are
measured in the tokens the model really sees.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

TokenCounter = Callable[[str], int]

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?…])\s+")
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Chunk:
    index: int
    text: str
    tokens: int


@dataclass(frozen=True)
class _Piece:
    text: str
    separator: str  # what joins it to the piece before it
    tokens: int


class Chunker:
    def __init__(
        self, count_tokens: TokenCounter, *, max_tokens: int = 200, overlap_tokens: int = 32
    ) -> None:
        if max_tokens < 1:
            raise ValueError("max_tokens must be at least 1")
        if not 0 <= overlap_tokens < max_tokens:
            raise ValueError("overlap_tokens must be at least 0 and below max_tokens")
        self._count = count_tokens
        self.max_tokens = max_tokens
        self.overlap_tokens = overlap_tokens

    def split(self, text: str) -> list[Chunk]:
        """The chunks of ``text`` in order; none for blank text."""
        text = text.strip()
        if not text:
            return []
        tokens = self._count(text)
        if tokens <= self.max_tokens:
            return [Chunk(0, text, tokens)]
        texts = self._pack(list(self._pieces(text)))
        return [Chunk(i, chunk, self._count(chunk)) for i, chunk in enumerate(texts)]

    def _pieces(self, text: str) -> Iterator[_Piece]:
        for p, paragraph in enumerate(_PARAGRAPH_BREAK.split(text)):
            separator = "\n\n" if p else ""
            yield from self._fit(paragraph.strip(), separator, (_SENTENCE_BREAK, _WHITESPACE))

    def _fit(
        self, text: str, separator: str, breaks: tuple[re.Pattern[str], ...]
    ) -> Iterator[_Piece]:
        """``text`` as pieces of at most ``max_tokens``, cut by the first break that helps."""
        if not text:
            return
        tokens = self._count(text)
        if tokens <= self.max_tokens:
            yield _Piece(text, separator, tokens)
            return
        if not breaks:
            yield from self._cut_word(text, separator)
            return
        parts = [part for part in breaks[0].split(text) if part]
        if len(parts) == 1:
            yield from self._fit(text, separator, breaks[1:])
            return
        for i, part in enumerate(parts):
            yield from self._fit(part, separator if i == 0 else " ", breaks[1:])

    def _cut_word(self, word: str, separator: str) -> Iterator[_Piece]:
        """A single over-long token run, cut into the longest prefixes that fit."""
        rest = word
        while rest:
            low, high = 1, len(rest)
            while low < high:  # longest prefix within the limit (binary search)
                middle = (low + high + 1) // 2
                if self._count(rest[:middle]) <= self.max_tokens:
                    low = middle
                else:
                    high = middle - 1
            yield _Piece(rest[:low], separator, self._count(rest[:low]))
            rest = rest[low:]
            separator = ""

    def _pack(self, pieces: list[_Piece]) -> list[str]:
        chunks: list[str] = []
        current: list[_Piece] = []
        total = 0
        for piece in pieces:
            if current and total + piece.tokens > self.max_tokens:
                chunks.append(_join(current))
                current = self._overlap(current, room=self.max_tokens - piece.tokens)
                total = sum(p.tokens for p in current)
            current.append(piece)
            total += piece.tokens
        if current:
            chunks.append(_join(current))
        return chunks

    def _overlap(self, previous: list[_Piece], *, room: int) -> list[_Piece]:
        """The trailing pieces of ``previous`` that fit in the overlap and leave ``room``."""
        budget = min(self.overlap_tokens, room)
        carried: list[_Piece] = []
        used = 0
        for piece in reversed(previous):
            if used + piece.tokens > budget:
                break
            carried.insert(0, piece)
            used += piece.tokens
        return carried


def _join(pieces: list[_Piece]) -> str:
    return "".join(p.text if i == 0 else p.separator + p.text for i, p in enumerate(pieces))
