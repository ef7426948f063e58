"""Make a message's chunks match its current row, and record embedding results.

Postgres is the truth: whatever event arrives, :meth:`ChunkService.sync_many` reads the current
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
from parley_schema.models import EmbeddingStatus
from sqlalchemy.ext.asyncio import AsyncSession

from parley_embedder.chunks.policy import EmbedPolicy
from parley_embedder.chunks.repository import (
    ClaimedChunk,
    MessageFacts,
    NewChunk,
    StoredChunk,
    chunk_repository,
)
from parley_embedder.models.vectors import ModelVectors

log = structlog.get_logger(__name__)
MAX_ERROR_LENGTH = 2000


class SyncStatus(StrEnum):
    MISSING = "missing"  # no cw_messages row (any chunks left are deleted)
    REMOVED = "removed"  # deleted, empty or excluded by policy: no chunks
    CURRENT = "current"  # nothing to embed (all ready, reused, or another replica has them)
    TO_EMBED = "to_embed"


@dataclass(frozen=True)
class SyncResult:
    status: SyncStatus
    claimed: list[ClaimedChunk] = field(default_factory=list)
    reused: int = 0


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class SyncRequest:
    message_global_id: str
    take_over: bool = False  # also claim chunks another delivery holds, however recent


class ChunkService:
    """Chunks with ``chunker``, keeps what ``policy`` allows, embeds with ``model``.

    A chunk ``processing`` for longer than ``stuck_after`` is taken over: the replica that
    claimed it is presumed dead.
    """

    def __init__(
        self, *, chunker: Chunker, policy: EmbedPolicy, model: str, stuck_after: timedelta
    ) -> None:
        self._chunker = chunker
        self._policy = policy
        self._model = model
        self._stuck_after = stuck_after

    async def sync_many(
        self, session: AsyncSession, requests: Sequence[SyncRequest]
    ) -> dict[str, SyncResult]:
        """Converge each message's chunks to its row; claim the ones that need a vector.

        One round trip per step for the whole batch. A request with ``take_over`` also
        claims chunks in ``processing``, however recent (its delivery is a redelivery);
        otherwise only claims older than ``stuck_after`` are taken over.
        """
        ids = sorted({request.message_global_id for request in requests})
        await chunk_repository.lock_messages(session, ids)
        messages = await chunk_repository.get_messages(session, ids)
        stored = await chunk_repository.list_chunks(session, list(messages))
        results = {id_: SyncResult(SyncStatus.MISSING) for id_ in ids if id_ not in messages}
        # A message without a row (removed by ingest) keeps no chunk either.
        cuts: dict[str, int] = dict.fromkeys(results, 0)  # message -> first index to delete
        changed: list[tuple[MessageFacts, NewChunk]] = []
        kept: list[MessageFacts] = []  # messages with unchanged chunks: refresh their filters
        for id_, message in messages.items():
            wanted = [
                NewChunk(chunk.index, chunk.text, text_hash(chunk.text), chunk.tokens)
                for chunk in self._chunker.split(self._policy.text_to_embed(message))
            ]
            existing = stored.get(id_, [])
            if not wanted:
                cuts[id_] = 0
                results[id_] = SyncResult(SyncStatus.REMOVED)
                continue
            if any((chunk.chunk_index or 0) >= len(wanted) for chunk in existing):
                cuts[id_] = len(wanted)
            new = changed_chunks(wanted, existing, self._model)
            changed.extend((message, chunk) for chunk in new)
            if len(new) < len(wanted):
                kept.append(message)
        removed = await chunk_repository.delete_chunks(session, cuts)
        await chunk_repository.upsert_pending(session, changed)
        await chunk_repository.copy_filters(session, kept)
        to_claim = [id_ for id_ in messages if id_ not in results]
        reused = await chunk_repository.reuse_vectors(session, to_claim, self._model)
        take_over = {r.message_global_id for r in requests if r.take_over}
        claimed = await chunk_repository.claim(
            session,
            [id_ for id_ in to_claim if id_ not in take_over],
            stuck_after=self._stuck_after,
        ) + await chunk_repository.claim(
            session, [id_ for id_ in to_claim if id_ in take_over], stuck_after=timedelta(0)
        )
        by_message: dict[str, list[ClaimedChunk]] = {}
        for chunk in claimed:
            by_message.setdefault(chunk.owner_global_id, []).append(chunk)
        for id_ in to_claim:
            mine = by_message.get(id_, [])
            status = SyncStatus.TO_EMBED if mine else SyncStatus.CURRENT
            results[id_] = SyncResult(status, mine, reused[id_])
        log.debug(
            "chunks_synced",
            messages=len(ids),
            changed=len(changed),
            removed=removed,
            reused=sum(reused.values()),
            claimed=len(claimed),
        )
        return results

    async def store_vectors(
        self,
        session: AsyncSession,
        claimed: Sequence[ClaimedChunk],
        embedded: Sequence[ModelVectors],
    ) -> None:
        await chunk_repository.mark_ready(session, claimed, embedded)

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
            or (old.status == EmbeddingStatus.READY and model not in (old.model, old.model_2))
        ):
            changed.append(chunk)
    return changed
