"""SQL of ``kb_documents`` and ``kb_document_versions``. Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from parley_schema.models import KbDocument, KbDocumentVersion, RagChunk
from sqlalchemy import Text, any_, bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession


class KnowledgeRepository:
    async def locked(self, session: AsyncSession, global_id: str) -> KbDocument | None:
        """The document's row, locked until the transaction ends (writers of one document
        queue up instead of racing for the next version number)."""
        return await session.scalar(
            select(KbDocument)
            .where(KbDocument.global_id == global_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    async def insert(self, session: AsyncSession, values: dict[str, Any]) -> None:
        await session.execute(insert(KbDocument).values(**values))

    async def update(self, session: AsyncSession, global_id: str, values: dict[str, Any]) -> None:
        await session.execute(
            update(KbDocument)
            .where(KbDocument.global_id == global_id)
            .values(**values, updated_at=func.now())
        )

    async def add_version(
        self, session: AsyncSession, global_id: str, values: dict[str, Any], *, now: datetime
    ) -> None:
        """Record version ``values["version"]``; the versions before it are archived now."""
        await session.execute(
            update(KbDocumentVersion)
            .where(
                KbDocumentVersion.document_global_id == global_id,
                KbDocumentVersion.archived_at.is_(None),
            )
            .values(archived_at=now)
        )
        await session.execute(
            insert(KbDocumentVersion).values(document_global_id=global_id, **values)
        )

    async def delete(self, session: AsyncSession, global_ids: Sequence[str]) -> list[str]:
        """Delete these documents; their chunks and versions go with them (ON DELETE
        CASCADE). Returns the ids that existed."""
        if not global_ids:
            return []
        ids = bindparam("ids", list(global_ids), type_=ARRAY(Text))
        return list(
            (
                await session.scalars(
                    delete(KbDocument)
                    .where(KbDocument.global_id == any_(ids))
                    .returning(KbDocument.global_id)
                )
            ).all()
        )

    async def delete_chunks(self, session: AsyncSession, global_id: str) -> int:
        """The document's chunks (and vectors), when its row stays but leaves search."""
        result = await session.execute(
            delete(RagChunk).where(RagChunk.document_global_id == global_id)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def versions(self, session: AsyncSession, global_id: str) -> list[KbDocumentVersion]:
        return list(
            (
                await session.scalars(
                    select(KbDocumentVersion)
                    .where(KbDocumentVersion.document_global_id == global_id)
                    .order_by(KbDocumentVersion.version)
                )
            ).all()
        )

    async def uploads(
        self, session: AsyncSession, project_id: uuid.UUID, *, limit: int, after: str | None
    ) -> list[KbDocument]:
        """A project's uploads, oldest first, after the ``after`` global id (keyset)."""
        statement = (
            select(KbDocument)
            .where(KbDocument.project_id == project_id)
            .order_by(KbDocument.created_at, KbDocument.global_id)
            .limit(limit)
        )
        if after is not None:
            cursor = (
                select(KbDocument.created_at).where(KbDocument.global_id == after)
            ).scalar_subquery()
            statement = statement.where(
                func.row(KbDocument.created_at, KbDocument.global_id) > func.row(cursor, after)
            )
        return list((await session.scalars(statement)).all())

    async def upload(
        self, session: AsyncSession, project_id: uuid.UUID, global_id: str
    ) -> KbDocument | None:
        return await session.scalar(
            select(KbDocument).where(
                KbDocument.global_id == global_id, KbDocument.project_id == project_id
            )
        )

    async def articles(
        self, session: AsyncSession, account_id: int, portal_slug: str
    ) -> dict[int, str]:
        """Chatwoot article id → global id of the portal's stored articles."""
        rows = await session.execute(
            select(KbDocument.external_id, KbDocument.global_id).where(
                KbDocument.account_id == account_id, KbDocument.portal_slug == portal_slug
            )
        )
        return {external_id: global_id for external_id, global_id in rows if external_id}

    async def article_accounts(self, session: AsyncSession) -> list[int]:
        """Accounts that have Help Center articles stored."""
        accounts = await session.scalars(
            select(KbDocument.account_id)
            .where(KbDocument.account_id.is_not(None))
            .distinct()
            .order_by(KbDocument.account_id)
        )
        return [account for account in accounts if account is not None]


knowledge_repository = KnowledgeRepository()
