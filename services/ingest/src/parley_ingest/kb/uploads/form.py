"""The multipart form of an upload, read without ever holding more than the size limit.

FastAPI would parse a declared ``File``/``Form`` body completely before any check runs, so
the form is parsed here instead, from the request stream, which is cut off (413) as soon as
it passes ``PARLEY_KB_UPLOAD_MAX_BYTES`` plus room for the form's other fields. The form's
shape is declared for the OpenAPI document by :data:`UPLOAD_REQUEST_BODY`.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from parley_ingest.kb.errors import DocumentTooLarge, InvalidDocumentField
from parley_ingest.kb.uploads.schemas import METADATA_MAX_CHARS, UploadFields
from parley_ingest.kb.uploads.service import UploadedFile

FORM_OVERHEAD_BYTES = METADATA_MAX_CHARS + 16_384  # the other fields and the part headers
FIELDS = ("file", "category", "metadata", "title", "locale")

UPLOAD_REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "PDF, DOCX, Markdown, HTML or plain text",
                    },
                    "category": {
                        "type": "string",
                        "default": "general",
                        "description": "policy, product, faq, procedure, vacancy, general, "
                        "or any lower-case slug",
                    },
                    "metadata": {
                        "type": "string",
                        "description": 'a JSON object, e.g. {"team": "billing"}',
                    },
                    "title": {"type": "string", "description": "default: the first heading"},
                    "locale": {"type": "string", "description": "e.g. en, de, pt_BR"},
                },
            }
        }
    },
}


async def _limited(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise DocumentTooLarge(
                "the upload is larger than PARLEY_KB_UPLOAD_MAX_BYTES allows", field="file"
            )
        yield chunk


def _text(value: object, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidDocumentField(f"{name} must be a text field", field=name)
    return value


async def read_upload_form(request: Request, max_bytes: int) -> tuple[UploadFields, UploadedFile]:
    """The fields and the file of a ``multipart/form-data`` upload (413 past the limit)."""
    limit = max_bytes + FORM_OVERHEAD_BYTES
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise DocumentTooLarge(
            f"the file is larger than {max_bytes} bytes (PARLEY_KB_UPLOAD_MAX_BYTES)",
            field="file",
        )
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise InvalidDocumentField("send the document as multipart/form-data", field="file")
    parser = MultiPartParser(
        request.headers,
        _limited(request, limit),
        max_files=1,
        max_fields=len(FIELDS),
        max_part_size=METADATA_MAX_CHARS + 1024,
    )
    try:
        form = await parser.parse()
    except MultiPartException as error:
        raise InvalidDocumentField(f"not a readable form: {error.message}", field="file") from None
    try:
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise InvalidDocumentField("the form has no file part named file", field="file")
        data = await file.read()
        fields = UploadFields.parse(
            category=_text(form.get("category"), "category") or "general",
            metadata=_text(form.get("metadata"), "metadata"),
            title=_text(form.get("title"), "title"),
            locale=_text(form.get("locale"), "locale") or None,
        )
        return fields, UploadedFile(
            file_name=file.filename or "", media_type=file.content_type, data=data
        )
    finally:
        await form.close()
