"""Global ids of knowledge documents (the contract of ``kb_documents.global_id``)."""

from __future__ import annotations

import uuid

ARTICLE_PREFIX = "cwart"
UPLOAD_PREFIX = "kbdoc"


def article_global_id(account_id: int, article_id: int) -> str:
    return f"{ARTICLE_PREFIX}:{account_id}:{article_id}"


def upload_global_id(document_id: uuid.UUID) -> str:
    return f"{UPLOAD_PREFIX}:{document_id}"
