"""Writes knowledge documents with their versions and events, in the caller's transaction.

The protocol (``libs/schema`` knowledge contract): a document's row, a
``kb_document_versions`` row when its content changes (version + 1, the previous version
archived), ``processing_status = pending`` and the outbox event are written together, so the
embedder never sees an event without its row, nor a row that no event announces.

- :meth:`KnowledgeStore.save` stores a searchable document. Nothing changed (same text, same
  facts): no write, no event, so a repeated sync or upload is a no-op. Only facts changed
  (title, category, locale, metadata, URL, status): the row is updated and announced at the
  same version (the embedder copies the facts and keeps the vectors). The text changed, or
  the document comes back to search: a new version.
- A document whose file cannot be read is stored ``failed`` with its reason and no text; it
  has no chunks (any of an earlier version are deleted) and ``document.deleted.v1`` tells
  the embedder so.
- :meth:`KnowledgeStore.withdraw` takes a document out of search but keeps its row
  (``archived_at``: an archived or unpublished article, which may come back);
  :meth:`KnowledgeStore.delete` removes rows, their chunks and versions (a deleted upload,
  an article gone from Chatwoot). Both announce ``document.deleted.v1``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import structlog
from parley_schema.events import DocumentDeletedV1, DocumentUpsertedV1, EventEnvelope
from parley_schema.knowledge import DocumentBody
from parley_schema.models import DocumentSource, KbDocument, ProcessingStatus
from sqlalchemy.ext.asyncio import AsyncSession

from parley_ingest.kb.repository import knowledge_repository
from parley_ingest.outbox.repository import OutboxRepository

log = structlog.get_logger(__name__)

PROCESSING_ERROR_MAX_CHARS = 500
# The facts that travel with the chunks (search filters and hit fields): a change of any is
# announced even when the text is the same.
_FACTS = ("title", "url", "category", "locale", "meta", "source_status", "portal_slug")


class SaveOutcome(StrEnum):
    CREATED = "created"
    NEW_VERSION = "new_version"
    FACTS_CHANGED = "facts_changed"
    UNCHANGED = "unchanged"
    FAILED = "failed"


@dataclass(frozen=True)
class DocumentWrite:
    """What a source knows of one document at its current state."""

    global_id: str
    source: DocumentSource
    title: str
    body: DocumentBody | None  # None: the file could not be read (processing_error says why)
    category: str = "general"
    locale: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    url: str | None = None
    account_id: int | None = None  # articles
    portal_slug: str | None = None
    external_id: int | None = None
    source_status: str | None = None
    data: dict[str, Any] | None = None
    project_id: uuid.UUID | None = None  # uploads
    file_name: str | None = None
    media_type: str | None = None
    size_bytes: int | None = None
    created_by: uuid.UUID | None = None
    source_updated_at: datetime | None = None
    processing_error: str | None = None


@dataclass(frozen=True)
class Saved:
    outcome: SaveOutcome
    version: int


class KnowledgeStore:
    def __init__(self, outbox: OutboxRepository | None = None) -> None:
        self._outbox = outbox or OutboxRepository()

    async def save(
        self,
        session: AsyncSession,
        write: DocumentWrite,
        *,
        now: datetime,
        correlation_id: str | None = None,
    ) -> Saved:
        current = await knowledge_repository.locked(session, write.global_id)
        sha = write.body.content_sha256() if write.body is not None else None
        facts = {name: getattr(write, name) for name in _FACTS}
        values: dict[str, Any] = {
            **facts,
            "body": write.body.model_dump(mode="json") if write.body is not None else {},
            "content_sha256": sha,
            "data": write.data,
            "source_updated_at": write.source_updated_at,
            "file_name": write.file_name,
            "media_type": write.media_type,
            "size_bytes": write.size_bytes,
            "archived_at": None,
        }
        failed = write.body is None
        if failed:
            values |= {
                "processing_status": ProcessingStatus.FAILED,
                "processing_error": (write.processing_error or "the document cannot be read")[
                    :PROCESSING_ERROR_MAX_CHARS
                ],
            }
        else:
            values |= {"processing_status": ProcessingStatus.PENDING, "processing_error": None}
        if current is None:
            version, outcome = 1, SaveOutcome.CREATED
            await knowledge_repository.insert(
                session,
                values
                | {
                    "global_id": write.global_id,
                    "source": write.source,
                    "account_id": write.account_id,
                    "project_id": write.project_id,
                    "external_id": write.external_id,
                    "created_by": write.created_by,
                    "version": version,
                },
            )
        else:
            same_content = (
                not failed
                and current.content_sha256 == sha
                and current.processing_status != ProcessingStatus.FAILED
            )
            back_in_search = current.archived_at is not None
            if same_content and not back_in_search:
                if all(getattr(current, name) == value for name, value in facts.items()):
                    if write.data != current.data:  # Chatwoot's object changed (views…)
                        await knowledge_repository.update(
                            session, write.global_id, {"data": write.data}
                        )
                    return Saved(SaveOutcome.UNCHANGED, current.version)
                version, outcome = current.version, SaveOutcome.FACTS_CHANGED
                # Same text: the chunks stay as they are (status included) until the
                # embedder has copied the new facts.
                values.pop("processing_status")
                values.pop("processing_error")
            else:
                version, outcome = current.version + 1, SaveOutcome.NEW_VERSION
            await knowledge_repository.update(
                session, write.global_id, values | {"version": version}
            )
        if outcome is not SaveOutcome.FACTS_CHANGED:
            await knowledge_repository.add_version(
                session,
                write.global_id,
                {
                    "version": version,
                    "title": write.title,
                    "content_sha256": sha,
                    "file_name": write.file_name,
                    "size_bytes": write.size_bytes,
                },
                now=now,
            )
        if failed:
            await knowledge_repository.delete_chunks(session, write.global_id)
            await self._announce(session, write, now=now, correlation_id=correlation_id)
            log.info("document_failed", document=write.global_id, version=version)
            return Saved(SaveOutcome.FAILED, version)
        payload = DocumentUpsertedV1(
            document_global_id=write.global_id,
            project_id=str(write.project_id) if write.project_id else None,
            version=version,
            updated_at=now,
            content_sha256=sha,
        )
        await self._outbox.append(
            session,
            [
                EventEnvelope.wrap(
                    payload,
                    account_id=write.account_id,
                    occurred_at=now,
                    correlation_id=correlation_id,
                )
            ],
        )
        log.info("document_saved", document=write.global_id, version=version, outcome=outcome)
        return Saved(outcome, version)

    async def withdraw(
        self,
        session: AsyncSession,
        document: KbDocument,
        *,
        source_status: str | None,
        data: dict[str, Any] | None,
        now: datetime,
        correlation_id: str | None = None,
    ) -> bool:
        """Take a stored document out of search, keeping its row; False when it was out
        already (nothing written)."""
        if document.archived_at is not None:
            if document.source_status != source_status:
                await knowledge_repository.update(
                    session, document.global_id, {"source_status": source_status, "data": data}
                )
            return False
        await knowledge_repository.update(
            session,
            document.global_id,
            {"archived_at": now, "source_status": source_status, "data": data},
        )
        await self._announce(session, document, now=now, correlation_id=correlation_id)
        return True

    async def delete(
        self,
        session: AsyncSession,
        documents: list[KbDocument],
        *,
        now: datetime,
        correlation_id: str | None = None,
    ) -> int:
        """Delete these documents with their chunks, vectors and versions; announce each."""
        deleted = set(await knowledge_repository.delete(session, [d.global_id for d in documents]))
        for document in documents:
            if document.global_id in deleted:
                await self._announce(session, document, now=now, correlation_id=correlation_id)
        return len(deleted)

    async def _announce(
        self,
        session: AsyncSession,
        document: KbDocument | DocumentWrite,
        *,
        now: datetime,
        correlation_id: str | None,
    ) -> None:
        """``document.deleted.v1`` for this document (its chunks must go)."""
        payload = DocumentDeletedV1(
            document_global_id=document.global_id,
            project_id=str(document.project_id) if document.project_id else None,
            updated_at=now,
        )
        envelope = EventEnvelope.wrap(
            payload, account_id=document.account_id, occurred_at=now, correlation_id=correlation_id
        )
        await self._outbox.append(session, [envelope])


knowledge_store = KnowledgeStore()
