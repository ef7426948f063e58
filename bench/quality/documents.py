"""Knowledge documents in a quality corpus: reading ``documents.jsonl`` and loading it as the
embedder would.

Each line is ``{"id", "title", "category", "locale", "markdown"}`` (``#`` headings, blank-line
paragraphs) or ``"text"`` (paragraphs only) in place of ``markdown``. ``load`` writes every
document as a Help Center article of the corpus's account (``kb_documents``, as ingest stores
it) and its chunks as the embedder writes them: split by ``DocumentChunker`` with the
embedder's default budget, title and heading path embedded with the text, by the same
provider search-api embeds queries with.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from dataset import DatasetError, Query
from direct_load import ACCOUNT_ID
from parley_embeddings.document_chunking import DocumentChunker
from parley_embeddings.provider import EmbeddingProvider
from parley_testing.knowledge import (
    EmbeddedChunk,
    article_global_id,
    markdownish,
    put_document,
    store_chunks,
)
from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    category: str
    locale: str | None
    markdown: str


def load_documents(path: Path) -> list[Document]:
    documents = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        text = row.get("markdown", row.get("text"))
        if not isinstance(row.get("id"), str) or not isinstance(row.get("title"), str):
            raise DatasetError(f"{path}:{number}: needs a string id and title")
        if not isinstance(text, str) or not text.strip():
            raise DatasetError(f"{path}:{number}: needs markdown or text")
        documents.append(
            Document(
                id=row["id"],
                title=row["title"],
                category=str(row.get("category", "general")),
                locale=row.get("locale"),
                markdown=text,
            )
        )
    return documents


def load_article_queries(path: Path, documents: list[Document]) -> list[Query]:
    """Queries an article answers: ``{"qid", "query", "relevant": {document id: grade}}``,
    of kind ``article``."""
    known = {document.id for document in documents}
    queries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        relevant = row.get("relevant")
        if (
            not isinstance(row.get("qid"), str)
            or not isinstance(row.get("query"), str)
            or not isinstance(relevant, dict)
            or not relevant
            or not set(relevant) <= known
        ):
            raise DatasetError(f"{path}:{number}: needs qid, query, relevant {{document id: 2}}")
        queries.append(
            Query(
                qid=row["qid"],
                query=row["query"],
                relevant={str(k): int(v) for k, v in relevant.items()},
                kind="article",
            )
        )
    return queries


async def load(
    session: AsyncSession, documents: list[Document], provider: EmbeddingProvider
) -> dict[str, str]:
    """Returns document global id → dataset id."""
    chunker = DocumentChunker(provider.count_tokens)
    dataset_id_of = {}
    for number, document in enumerate(documents, start=1):
        global_id = article_global_id(ACCOUNT_ID, number)
        body = markdownish(document.markdown)
        await put_document(
            session,
            global_id=global_id,
            title=document.title,
            body=body,
            account_id=ACCOUNT_ID,
            category=document.category,
            locale=document.locale,
        )
        chunks = chunker.split(document.title, body)
        vectors = await provider.embed([chunk.text for chunk in chunks])
        await store_chunks(
            session,
            global_id,
            [
                EmbeddedChunk(c.text, c.tokens, c.heading_path, c.page, vector)
                for c, vector in zip(chunks, vectors, strict=True)
            ],
            model=provider.model_name,
        )
        dataset_id_of[global_id] = document.id
    return dataset_id_of
