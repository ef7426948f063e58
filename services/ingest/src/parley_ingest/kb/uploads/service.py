"""Uploads: parse a file into a document of the caller's project, version it, list it, delete it.

Rights: any member of the project (a session's active project, a token's project) reads its
documents; writing (upload, new version, delete) needs the project's **owner** (a session or
API token of a user whose role in the project is ``owner``). A project sees only its own
uploads: another project's id answers 404, as if it did not exist.

A file that cannot be read (broken, encrypted, no text) is still stored, as a ``failed``
document with the reason (``processing_error``), so the uploader sees why; it is never a 5xx.
Parsing runs in a worker thread: a large PDF does not stall the event loop.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath

from parley_authn import Principal
from parley_schema.knowledge import DocumentBody
from parley_schema.models import DocumentSource, KbDocument, ProjectRole
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley_ingest.kb.errors import (
    DocumentNotFound,
    DocumentTooLarge,
    InvalidDocumentField,
    NoActiveProject,
    UnreadableDocument,
    WriteNotPermitted,
)
from parley_ingest.kb.identity import UPLOAD_PREFIX, upload_global_id
from parley_ingest.kb.parsers import DocumentType, document_type, parse_file
from parley_ingest.kb.repository import knowledge_repository
from parley_ingest.kb.store import DocumentWrite, knowledge_store
from parley_ingest.kb.uploads.schemas import DocumentList, DocumentRead, UploadFields

FILE_NAME_MAX_CHARS = 255
LIST_LIMIT_MAX = 200


@dataclass(frozen=True)
class UploadedFile:
    file_name: str
    media_type: str | None
    data: bytes


@dataclass(frozen=True)
class Uploader:
    """Who uploads: a project and, for API calls, the user (None from the CLI)."""

    project_id: uuid.UUID
    user_id: uuid.UUID | None


def _project(principal: Principal) -> uuid.UUID:
    if principal.project_id is None:
        raise NoActiveProject("select a project you are a member of first")
    return principal.project_id


def writer(principal: Principal) -> Uploader:
    """The uploader behind ``principal``, who must own its project."""
    project_id = _project(principal)
    if principal.role != ProjectRole.OWNER:
        raise WriteNotPermitted("only the project's owner may change its documents")
    return Uploader(project_id=project_id, user_id=principal.user_id)


def _parse(upload: UploadedFile, kind: DocumentType) -> tuple[DocumentBody | None, str | None]:
    try:
        return parse_file(upload.data, kind), None
    except UnreadableDocument as error:
        return None, error.message


def _title(fields: UploadFields, upload: UploadedFile, body: DocumentBody | None) -> str:
    if fields.title:
        return fields.title
    if body is not None and body.blocks and body.blocks[0].kind == "heading":
        return body.blocks[0].text[:300]
    return PurePath(upload.file_name).stem or upload.file_name


class UploadService:
    def __init__(self, *, max_bytes: int) -> None:
        self._max_bytes = max_bytes

    async def create(
        self,
        session: AsyncSession,
        uploader: Uploader,
        fields: UploadFields,
        upload: UploadedFile,
    ) -> DocumentRead:
        global_id = upload_global_id(uuid.uuid4())
        return await self._store(session, uploader, global_id, fields, upload)

    async def replace(
        self,
        session: AsyncSession,
        uploader: Uploader,
        global_id: str,
        fields: UploadFields,
        upload: UploadedFile,
    ) -> DocumentRead:
        """A new version of the project's document ``global_id``; the old one is archived."""
        if await knowledge_repository.upload(session, uploader.project_id, global_id) is None:
            raise DocumentNotFound("no document with this id in your project", field="id")
        return await self._store(session, uploader, global_id, fields, upload)

    async def _store(
        self,
        session: AsyncSession,
        uploader: Uploader,
        global_id: str,
        fields: UploadFields,
        upload: UploadedFile,
    ) -> DocumentRead:
        self.check_size(len(upload.data))
        file_name = PurePath(upload.file_name.replace("\\", "/")).name.strip()
        if not file_name or len(file_name) > FILE_NAME_MAX_CHARS:
            raise InvalidDocumentField(
                f"the file needs a name of 1 to {FILE_NAME_MAX_CHARS} characters", field="file"
            )
        upload = UploadedFile(file_name, upload.media_type, upload.data)
        kind = document_type(file_name, upload.media_type)
        body, error = await asyncio.to_thread(_parse, upload, kind)
        now = await self._now(session)
        await knowledge_store.save(
            session,
            DocumentWrite(
                global_id=global_id,
                source=DocumentSource.UPLOAD,
                title=_title(fields, upload, body),
                body=body,
                processing_error=error,
                category=fields.category,
                locale=fields.locale,
                meta=fields.metadata,
                project_id=uploader.project_id,
                file_name=file_name,
                media_type=kind.value,
                size_bytes=len(upload.data),
                created_by=uploader.user_id,
                source_updated_at=now,
            ),
            now=now,
        )
        return await self.get(session, uploader.project_id, global_id)

    def check_size(self, size: int) -> None:
        if size > self._max_bytes:
            raise DocumentTooLarge(
                f"the file is larger than {self._max_bytes} bytes (PARLEY_KB_UPLOAD_MAX_BYTES)",
                field="file",
            )

    async def list(
        self, session: AsyncSession, principal: Principal, *, limit: int, cursor: str | None
    ) -> DocumentList:
        project_id = _project(principal)
        limit = max(1, min(limit, LIST_LIMIT_MAX))
        if cursor is not None and not cursor.startswith(f"{UPLOAD_PREFIX}:"):
            raise InvalidDocumentField("not a cursor of this listing", field="cursor")
        documents = await knowledge_repository.uploads(
            session, project_id, limit=limit + 1, after=cursor
        )
        page = documents[:limit]
        return DocumentList(
            documents=[DocumentRead.of(d) for d in page],
            next_cursor=page[-1].global_id if len(documents) > limit else None,
        )

    async def get(
        self, session: AsyncSession, project_id: uuid.UUID, global_id: str
    ) -> DocumentRead:
        document = await self._find(session, project_id, global_id)
        versions = await knowledge_repository.versions(session, global_id)
        return DocumentRead.of(document, versions)

    async def show(
        self, session: AsyncSession, principal: Principal, global_id: str
    ) -> DocumentRead:
        return await self.get(session, _project(principal), global_id)

    async def delete(self, session: AsyncSession, uploader: Uploader, global_id: str) -> None:
        """The document, its versions, chunks and vectors; ``document.deleted.v1`` follows."""
        document = await self._find(session, uploader.project_id, global_id)
        await knowledge_store.delete(session, [document], now=await self._now(session))

    async def _find(
        self, session: AsyncSession, project_id: uuid.UUID, global_id: str
    ) -> KbDocument:
        document = await knowledge_repository.upload(session, project_id, global_id)
        if document is None:
            raise DocumentNotFound("no document with this id in your project", field="id")
        return document

    @staticmethod
    async def _now(session: AsyncSession) -> datetime:
        now: datetime | None = await session.scalar(select(func.now()))
        assert now is not None
        return now
