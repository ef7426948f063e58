"""Structure-aware chunking of knowledge documents (``parley_schema.knowledge.DocumentBody``).

A document is cut into sections at its headings. Each section's paragraphs are packed
greedily into chunks within the token budget, never across a heading; a paragraph longer
than the budget is split by :class:`~parley_embeddings.chunking.Chunker` (sentences, then
words, with its overlap). Every chunk keeps its heading path (the headings above it,
outermost first) and the page of its first paragraph.

A chunk's text starts with the document's title and heading path (``Refunds > Eligibility``)
and a blank line, then its paragraphs: that text is what is embedded and keyword-indexed, so
a paragraph is found by the topic its headings name even when it does not repeat it. The
prefix counts toward the budget; a prefix longer than half the budget keeps only the title
and the innermost heading, then only that heading (the chunk's ``heading_path`` keeps them
all). Headings without a paragraph under them make no chunk of their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from parley_schema.knowledge import BlockKind, DocumentBody

from parley_embeddings.chunking import Chunker, TokenCounter

PATH_SEPARATOR = " > "


@dataclass(frozen=True)
class DocumentChunk:
    index: int
    text: str  # the prefix (title and heading path) and the paragraphs: what is embedded
    tokens: int
    heading_path: tuple[str, ...]
    page: int | None


@dataclass(frozen=True)
class _Paragraph:
    text: str
    page: int | None
    tokens: int


@dataclass(frozen=True)
class _Section:
    heading_path: tuple[str, ...]
    paragraphs: tuple[_Paragraph, ...]


class DocumentChunker:
    def __init__(
        self, count_tokens: TokenCounter, *, max_tokens: int = 200, overlap_tokens: int = 32
    ) -> None:
        # The same bounds as the message chunker, checked by it.
        Chunker(count_tokens, max_tokens=max_tokens, overlap_tokens=overlap_tokens)
        self._count = count_tokens
        self.max_tokens = max_tokens
        self.overlap_tokens = overlap_tokens

    def split(self, title: str, body: DocumentBody) -> list[DocumentChunk]:
        """The chunks of ``body`` in document order, indexed from 0; none without text."""
        chunks: list[DocumentChunk] = []
        for section in self._sections(body):
            prefix = self._prefix(title.strip(), section.heading_path)
            budget = self.max_tokens - (self._count(prefix) if prefix else 0)
            for paragraphs in self._pack(section.paragraphs, budget):
                text = prefix + "\n\n".join(p.text for p in paragraphs)
                chunks.append(
                    DocumentChunk(
                        index=len(chunks),
                        text=text,
                        tokens=self._count(text),
                        heading_path=section.heading_path,
                        page=paragraphs[0].page,
                    )
                )
        return chunks

    def _sections(self, body: DocumentBody) -> Iterator[_Section]:
        headings: list[tuple[int, str]] = []  # (level, text), outermost first
        paragraphs: list[_Paragraph] = []
        for block in body.blocks:
            text = " ".join(block.text.split()) if block.kind is BlockKind.HEADING else ""
            if block.kind is BlockKind.HEADING and text:
                if paragraphs:
                    yield _Section(tuple(h for _, h in headings), tuple(paragraphs))
                    paragraphs = []
                level = block.level or 1
                while headings and headings[-1][0] >= level:
                    headings.pop()
                headings.append((level, text))
            elif block.kind is BlockKind.PARAGRAPH and block.text.strip():
                stripped = block.text.strip()
                paragraphs.append(_Paragraph(stripped, block.page, self._count(stripped)))
        if paragraphs:
            yield _Section(tuple(h for _, h in headings), tuple(paragraphs))

    def _prefix(self, title: str, path: tuple[str, ...]) -> str:
        """``title > heading > …`` and a blank line, shortened to half the budget at most."""
        options = [[title, *path], [title, *path[-1:]], list(path[-1:])]
        for parts in options:
            line = PATH_SEPARATOR.join(part for part in parts if part)
            if line and self._count(line) <= self.max_tokens // 2:
                return line + "\n\n"
        return ""

    def _pack(self, paragraphs: tuple[_Paragraph, ...], budget: int) -> Iterator[list[_Paragraph]]:
        pieces = self._fit(paragraphs, budget)
        current: list[_Paragraph] = []
        total = 0
        for piece in pieces:
            if current and total + piece.tokens > budget:
                yield current
                current, total = [], 0
            current.append(piece)
            total += piece.tokens
        if current:
            yield current

    def _fit(self, paragraphs: tuple[_Paragraph, ...], budget: int) -> Iterator[_Paragraph]:
        """Each paragraph, or the pieces of one longer than ``budget``."""
        splitter = Chunker(
            self._count, max_tokens=budget, overlap_tokens=min(self.overlap_tokens, budget - 1)
        )
        for paragraph in paragraphs:
            if paragraph.tokens <= budget:
                yield paragraph
                continue
            for piece in splitter.split(paragraph.text):
                yield _Paragraph(piece.text, paragraph.page, piece.tokens)
