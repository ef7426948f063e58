"""The structured text of a knowledge document: what parsers write and the chunker reads.

Ingest turns an article's HTML or an uploaded file into :class:`DocumentBody` (headings with
their level, paragraphs, the page each came from) and stores it in ``kb_documents.body``; the
embedder splits it on headings and paragraphs within its token budget and keeps each chunk's
heading path and page number. Neither side needs the other's parser or chunker.
"""

from __future__ import annotations

import hashlib
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class BlockKind(StrEnum):
    HEADING = "heading"
    PARAGRAPH = "paragraph"


class DocumentBlock(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: BlockKind
    text: str = Field(min_length=1)
    level: int | None = Field(default=None, ge=1, le=6, description="headings only: 1 = top")
    page: int | None = Field(
        default=None, ge=1, description="1-based page, where the source has pages"
    )


class DocumentBody(BaseModel):
    model_config = ConfigDict(frozen=True)

    blocks: tuple[DocumentBlock, ...] = ()

    def content_sha256(self) -> str:
        """sha256 hex of the blocks as stored: the version fact events and versions carry."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()
