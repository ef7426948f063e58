"""Errors of the knowledge side of ingest (uploads and the Help Center sync)."""

from __future__ import annotations

from parley_schema.errors import ParleyError


class UnreadableDocument(ParleyError):
    """The file cannot be read as its type (broken, encrypted, or holds no text). Not raised
    to clients: the upload is stored as ``failed`` with this message as its reason."""

    code = "unreadable_document"
    status = 422


class UnsupportedDocumentType(ParleyError):
    code = "unsupported_document_type"
    status = 415


class DocumentTooLarge(ParleyError):
    code = "document_too_large"
    status = 413


class InvalidDocumentField(ParleyError):
    code = "invalid_document_field"
    status = 422


class DocumentNotFound(ParleyError):
    code = "document_not_found"
    status = 404


class WriteNotPermitted(ParleyError):
    """Uploading, replacing or deleting a project's documents needs its owner (a session or
    an API token of a user who owns the project)."""

    code = "write_not_permitted"
    status = 403


class NoActiveProject(ParleyError):
    code = "no_active_project"
    status = 403


class HelpCenterNotConfigured(ParleyError):
    code = "help_center_not_configured"
    status = 400
