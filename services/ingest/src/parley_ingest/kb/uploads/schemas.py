"""Uploaded documents as the API shows them, and the fields an upload carries."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from parley_schema.models import CATEGORY_PATTERN, KbDocument, KbDocumentVersion
from pydantic import BaseModel, Field

from parley_ingest.kb.errors import InvalidDocumentField

LOCALE_PATTERN = r"^[a-z]{2,3}([_-][A-Za-z0-9]{2,8})*$"
TITLE_MAX_CHARS = 300
METADATA_MAX_CHARS = 16_384


class UploadFields(BaseModel):
    """The form fields beside the file (validated by :meth:`parse`)."""

    category: str = Field(default="general", pattern=CATEGORY_PATTERN)
    metadata: dict[str, Any] = Field(default_factory=dict)
    title: str | None = Field(default=None, min_length=1, max_length=TITLE_MAX_CHARS)
    locale: str | None = Field(default=None, pattern=LOCALE_PATTERN)

    @classmethod
    def parse(
        cls, *, category: str, metadata: str | None, title: str | None, locale: str | None
    ) -> UploadFields:
        """The fields of a form, with a clear reason for each bad one (422)."""
        meta: object = {}
        if metadata and metadata.strip():
            if len(metadata) > METADATA_MAX_CHARS:
                raise InvalidDocumentField(
                    f"metadata is longer than {METADATA_MAX_CHARS} characters", field="metadata"
                )
            try:
                meta = json.loads(metadata)
            except json.JSONDecodeError as error:
                raise InvalidDocumentField(
                    f"metadata is not JSON ({error.msg})", field="metadata"
                ) from None
        if not isinstance(meta, dict):
            raise InvalidDocumentField("metadata must be a JSON object", field="metadata")
        if not re.fullmatch(CATEGORY_PATTERN, category):
            raise InvalidDocumentField(
                "category must be a lower-case slug (policy, product, faq, procedure, vacancy, "
                "general, or your own: letters, digits, - and _)",
                field="category",
            )
        if locale is not None and not re.fullmatch(LOCALE_PATTERN, locale):
            raise InvalidDocumentField("locale must look like en, de or pt_BR", field="locale")
        title = title.strip() if title else None
        if title is not None and len(title) > TITLE_MAX_CHARS:
            raise InvalidDocumentField(
                f"title is longer than {TITLE_MAX_CHARS} characters", field="title"
            )
        return cls(category=category, metadata=meta, title=title or None, locale=locale)


class DocumentVersionRead(BaseModel):
    version: int
    title: str
    content_sha256: str | None
    file_name: str | None
    size_bytes: int | None
    created_at: datetime
    archived_at: datetime | None = Field(description="when the next version replaced it")

    @classmethod
    def of(cls, version: KbDocumentVersion) -> DocumentVersionRead:
        return cls(
            version=version.version,
            title=version.title,
            content_sha256=version.content_sha256,
            file_name=version.file_name,
            size_bytes=version.size_bytes,
            created_at=version.created_at,
            archived_at=version.archived_at,
        )


class DocumentRead(BaseModel):
    id: str = Field(description="`kbdoc:<uuid>`, the `document.id` of search hits")
    project_id: str
    title: str
    category: str
    locale: str | None
    metadata: dict[str, Any]
    version: int
    processing_status: str = Field(description="`pending`, `ready` or `failed`")
    processing_error: str | None = Field(description="why it failed, e.g. an encrypted PDF")
    file_name: str | None
    media_type: str | None
    size_bytes: int | None
    created_at: datetime
    updated_at: datetime
    versions: list[DocumentVersionRead] | None = Field(
        default=None, description="every version, oldest first (`GET …/{id}` only)"
    )

    @classmethod
    def of(
        cls, document: KbDocument, versions: list[KbDocumentVersion] | None = None
    ) -> DocumentRead:
        return cls(
            id=document.global_id,
            project_id=str(document.project_id),
            title=document.title,
            category=document.category,
            locale=document.locale,
            metadata=document.meta,
            version=document.version,
            processing_status=document.processing_status,
            processing_error=document.processing_error,
            file_name=document.file_name,
            media_type=document.media_type,
            size_bytes=document.size_bytes,
            created_at=document.created_at,
            updated_at=document.updated_at,
            versions=None if versions is None else [DocumentVersionRead.of(v) for v in versions],
        )


class DocumentList(BaseModel):
    documents: list[DocumentRead]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page")
