"""Make a message's chunks match its current row, and record embedding results.

Postgres is the truth: whatever event arrives, :meth:`ChunkService.sync` reads the current
``cw_messages`` row and converges ``rag_chunks`` to it, so duplicated, redelivered and
out-of-order events all end in the same state. Work on one message is serialised across
replicas by a transaction-scoped advisory lock; chunks are handed out by a conditional
``UPDATE`` to ``processing``, so no two replicas embed the same chunk at the same time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

import structlog
from parley_embeddings.chunking import Chunker
from sqlalchemy.ext.asyncio import AsyncSession

from parley_embedder.chunks.policy import EmbedPolicy
from parley_embedder.chunks.repository import (
    ClaimedChunk,
    MessageFacts,
    NewChunk,
    StoredChunk,
    chunk_repository,
)

log = structlog.get_logger(__name__)
MAX_ERROR_LENGTH = 2000


class SyncStatus(StrEnum):
    MISSING = "missing"  # no cw_messages row
    REMOVED = "removed"  # deleted, empty or excluded by policy: no chunks
    CURRENT = "current"  # nothing to embed (all ready, reused, or another replica has them)
    TO_EMBED = "to_embed"


@dataclass(frozen=True)
class SyncResult:
    status: SyncStatus
    claimed: list[ClaimedChunk] = field(default_factory=list)
    message: MessageFacts | None = None
    reused: int = 0


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class ChunkingConfig:
    chunker: Chunker
    policy: EmbedPolicy
    model: str
    stuck_after: timedelta


class ChunkService:
    async def sync(
        self,
        session: AsyncSession,
        message_global_id: str,
        config: ChunkingConfig,
        *,
        take_over: bool = False,
    ) -> SyncResult:
        """Converge the message's chunks to its row; claim the ones that need a vector.

        ``take_over`` also claims chunks another delivery holds in ``processing``, however
        recent; otherwise only claims older than ``config.stuck_after`` are taken over.
        """
        await chunk_repository.lock_message(session, message_global_id)
        message = await chunk_repository.get_message(session, message_global_id)
        if message is None:
            return SyncResult(SyncStatus.MISSING)
        wanted = [
            NewChunk(chunk.index, chunk.text, text_hash(chunk.text), chunk.tokens)
            for chunk in config.chunker.split(config.policy.text_to_embed(message))
        ]
        if not wanted:
            removed = await chunk_repository.delete_chunks(session, message_global_id)
            log.info("chunks_removed", message_global_id=message_global_id, chunks=removed)
            return SyncResult(SyncStatus.REMOVED, message=message)

        stored = await chunk_repository.list_chunks(session, message_global_id)
        changed = changed_chunks(wanted, stored, config.model)
        if any((chunk.chunk_index or 0) >= len(wanted) for chunk in stored):
            await chunk_repository.delete_chunks(session, message_global_id, from_index=len(wanted))
        await chunk_repository.upsert_pending(session, message, changed)  # filters included
        if len(changed) < len(wanted):  # kept chunks get the row's current filter facts
            await chunk_repository.copy_filters(session, message)
        reused = await chunk_repository.reuse_vectors(session, message_global_id, config.model)
        claimed = await chunk_repository.claim(
            session,
            message_global_id,
            stuck_after=timedelta(0) if take_over else config.stuck_after,
        )
        log.debug(
            "chunks_synced",
            message_global_id=message_global_id,
            chunks=len(wanted),
            changed=len(changed),
            reused=reused,
            claimed=len(claimed),
        )
        status = SyncStatus.TO_EMBED if claimed else SyncStatus.CURRENT
        return SyncResult(status, claimed, message, reused)

    async def store_vectors(
        self,
        session: AsyncSession,
        claimed: Sequence[ClaimedChunk],
        vectors: Sequence[list[float]],
        model: str,
    ) -> None:
        await chunk_repository.mark_ready(session, claimed, vectors, model)

    async def store_failure(
        self, session: AsyncSession, claimed: Sequence[ClaimedChunk], error: str
    ) -> None:
        await chunk_repository.mark_failed(session, claimed, error[:MAX_ERROR_LENGTH])


def changed_chunks(wanted: list[NewChunk], stored: list[StoredChunk], model: str) -> list[NewChunk]:
    """Chunks whose text differs from the stored one, or whose vector is another model's."""
    by_index = {chunk.chunk_index: chunk for chunk in stored}
    changed = []
    for chunk in wanted:
        old = by_index.get(chunk.chunk_index)
        if (
            old is None
            or old.text_hash != chunk.text_hash
            or (old.status == "ready" and old.model != model)
        ):
            changed.append(chunk)
    return changed


chunk_service = ChunkService()
