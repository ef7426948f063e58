"""SQL for messages and their chunks. Never commits.

Every statement of the hot path works on a whole batch of messages (``= ANY(:ids)`` or one
parameter set per row in a single round trip) and is built once at import (Core, with bind
parameters): per-statement CPU in the driver and SQLAlchemy, not Postgres, was what the
embedder spent next to the model, and on a small machine it is taken from the model.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from parley_schema.models import (
    CHUNK_FILTER_COLUMNS,
    CwConversation,
    CwMessage,
    EmbeddingStatus,
    RagChunk,
)
from parley_schema.vector_slots import SLOTS
from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    REAL,
    Interval,
    String,
    Table,
    and_,
    any_,
    bindparam,
    cast,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningUpdate, Update
from sqlalchemy.sql.elements import ColumnElement

from parley_embedder.models.vectors import ModelVectors, slot_parameters

chunks: Table = RagChunk.__table__  # type: ignore[assignment]
c = chunks.c
WAITING = (EmbeddingStatus.PENDING, EmbeddingStatus.FAILED)
# What every chunk copies from its message (``MessageFacts`` names them like the columns):
# its conversation and the filter columns, so search needs no join.
COPIED_FACTS = ("conversation_global_id", *CHUNK_FILTER_COLUMNS)
# Both vector slots, each a vector and the model it is of (``parley_schema.vector_slots``).
SLOT_COLUMNS = tuple(
    column.key for slot in SLOTS.values() for column in (slot.vector_column, slot.model_column)
)

_IDS = bindparam("ids", type_=ARRAY(String))
# One advisory lock per message, taken in key order so two transactions locking overlapping
# batches queue up instead of deadlocking (OFFSET 0 keeps the sorted subquery as it is).
LOCK_MESSAGES = text(
    "SELECT pg_advisory_xact_lock(key) FROM ("
    " SELECT DISTINCT hashtextextended('embedder:' || id, 0) AS key"
    " FROM unnest(CAST(:ids AS text[])) AS id ORDER BY key OFFSET 0) AS keys"
)
GET_MESSAGES = (
    select(
        CwMessage.id,
        CwMessage.conversation_global_id,
        CwMessage.account_id,
        CwConversation.inbox_id,
        CwMessage.content,
        CwMessage.deleted_at,
        CwMessage.private,
        CwMessage.message_type,
        CwMessage.sender_type,
        CwMessage.created_at.label("message_created_at"),
        CwMessage.updated_at,
    )
    .outerjoin(CwConversation, CwConversation.id == CwMessage.conversation_global_id)
    .where(CwMessage.id == any_(_IDS))
    # KEY SHARE: ingest deleting one of these messages (reconcile, retention, erasure) waits
    # until this transaction has written its chunks, then deletes those too; edits (non-key
    # updates) do not wait.
    .with_for_update(key_share=True, of=CwMessage)
)
LIST_CHUNKS = (
    select(
        c.message_global_id,
        c.chunk_index,
        c.text_hash,
        c.embedding_status,
        c.embedding_model,
        c.embedding_2_model,
    )
    .where(c.message_global_id == any_(_IDS))
    .order_by(c.message_global_id, c.chunk_index)
)
DELETE_CHUNKS = text(
    "DELETE FROM rag_chunks AS chunk"
    " USING unnest(CAST(:ids AS text[]), CAST(:from_indexes AS integer[]))"
    " AS cut(message_global_id, from_index)"
    " WHERE chunk.message_global_id = cut.message_global_id"
    " AND chunk.chunk_index >= cut.from_index"
)
_insert = insert(chunks)
UPSERT_PENDING = _insert.on_conflict_do_update(
    index_elements=[c.message_global_id, c.chunk_index],
    set_={
        "text": _insert.excluded.text,
        "text_hash": _insert.excluded.text_hash,
        "content_tokens": _insert.excluded.content_tokens,
        **{column: None for column in SLOT_COLUMNS},
        "embedding_status": EmbeddingStatus.PENDING,
        "embedding_attempts": 0,
        "embedding_error": None,
        "last_embedded_at": None,
        "updated_at": func.now(),
        **{name: getattr(_insert.excluded, name) for name in COPIED_FACTS},
    },
)
COPY_FILTERS = (
    chunks.update()
    .where(c.message_global_id == bindparam("message_id"))
    .values({name: bindparam(name) for name in COPIED_FACTS})
)
# A donor: a ``ready`` chunk with the same text holding the embedder's model in either
# slot (a lookup through the ``text_hash`` index); both its slots are copied: the vectors of
# every model it was embedded with.
REUSE_VECTORS = text(
    "UPDATE rag_chunks AS chunk SET"
    " (embedding, embedding_model, embedding_2, embedding_2_model) ="
    " (donor.embedding, donor.embedding_model, donor.embedding_2, donor.embedding_2_model),"
    " embedding_status = 'ready', embedding_error = NULL,"
    " last_embedded_at = now(), updated_at = now()"
    " FROM rag_chunks AS donor"
    " WHERE chunk.message_global_id = ANY(CAST(:ids AS text[]))"
    " AND chunk.embedding_status IN ('pending', 'failed')"  # WAITING
    " AND donor.id = (SELECT d.id FROM rag_chunks AS d"
    "  WHERE d.text_hash = chunk.text_hash AND d.embedding_status = 'ready'"
    "  AND (d.embedding_model = :model OR d.embedding_2_model = :model) LIMIT 1)"
    " RETURNING chunk.message_global_id"
)


def claiming(owner: ColumnElement[str], owned: ColumnElement[bool]) -> ReturningUpdate[Any]:
    """The chunks ``owned`` selects that wait, or that a replica has held ``processing`` for
    longer than ``:stuck_after`` (presumed dead), → ``processing``; returns what
    ``ClaimedChunk`` holds, ``owner`` (the message or document id) second."""
    return (
        chunks.update()
        .where(
            owned,
            or_(
                c.embedding_status.in_(WAITING),
                and_(
                    c.embedding_status == EmbeddingStatus.PROCESSING,
                    c.updated_at < func.now() - bindparam("stuck_after", type_=Interval()),
                ),
            ),
        )
        .values(
            embedding_status=EmbeddingStatus.PROCESSING,
            embedding_attempts=c.embedding_attempts + 1,
            updated_at=func.now(),
        )
        .returning(c.id, owner, c.text, c.text_hash)
    )


CLAIM = claiming(c.message_global_id, c.message_global_id == any_(_IDS))


def slot_values(slots: Sequence[int]) -> dict[str, Any]:
    """Each slot's vector (``:vector_<n>``) and model (``:model_<n>``) as update values.

    Vectors are sent as real[] (asyncpg's binary array encoding) and cast by pgvector:
    binding a Vector formats every float as text, a large share of the embedder's CPU."""
    values: dict[str, Any] = {}
    for number in slots:
        slot = SLOTS[number]
        values[slot.vector_column.key] = cast(
            bindparam(f"vector_{number}", type_=ARRAY(REAL)), Vector()
        )
        values[slot.model_column.key] = bindparam(f"model_{number}")
    return values


@cache
def mark_ready(slots: tuple[int, ...]) -> Update:
    """Stores the vectors of the models in ``slots`` and ``ready`` (one statement per set)."""
    return (
        chunks.update()
        .where(
            c.id == bindparam("chunk_id"),
            c.text_hash == bindparam("claimed_hash"),
            c.embedding_status == EmbeddingStatus.PROCESSING,
        )
        .values(
            {
                **slot_values(slots),
                "embedding_status": EmbeddingStatus.READY,
                "embedding_error": None,
                "last_embedded_at": func.now(),
                "updated_at": func.now(),
            }
        )
    )


MARK_FAILED = (
    chunks.update()
    .where(
        c.id.in_(bindparam("chunk_ids", expanding=True)),
        c.embedding_status == EmbeddingStatus.PROCESSING,
    )
    .values(
        embedding_status=EmbeddingStatus.FAILED,
        embedding_error=bindparam("error"),
        updated_at=func.now(),
    )
)


@dataclass(frozen=True)
class MessageFacts:
    """The current message row plus its conversation's inbox: what chunks copy."""

    message_global_id: str
    conversation_global_id: str | None
    account_id: int | None
    inbox_id: int | None
    content: str | None
    deleted_at: datetime | None
    private: bool
    message_type: str | None
    sender_type: str | None
    message_created_at: datetime | None
    updated_at: datetime | None


@dataclass(frozen=True)
class StoredChunk:
    message_global_id: str
    chunk_index: int | None
    text_hash: str | None
    status: str
    model: str | None  # slot 1's
    model_2: str | None  # slot 2's


@dataclass(frozen=True)
class NewChunk:
    chunk_index: int
    text: str
    text_hash: str
    tokens: int


@dataclass(frozen=True)
class ClaimedChunk:
    id: uuid.UUID
    owner_global_id: str  # its message or knowledge document: the advisory lock it takes
    text: str
    text_hash: str | None


@dataclass(frozen=True)
class MessageVersion:
    message_global_id: str
    conversation_global_id: str | None
    account_id: int | None
    updated_at: datetime | None
    content: str | None


@dataclass(frozen=True)
class Requeued:
    """The messages and knowledge documents whose chunks went back to ``pending``."""

    messages: list[str]
    documents: list[str]


class ChunkRepository:
    async def lock_messages(self, session: AsyncSession, ids: Sequence[str]) -> None:
        """Serialise work on these messages (or knowledge documents: their global ids never
        collide with a message's) across replicas until the transaction ends."""
        await session.execute(LOCK_MESSAGES, {"ids": list(ids)})

    async def get_messages(
        self, session: AsyncSession, ids: Sequence[str]
    ) -> dict[str, MessageFacts]:
        result = await session.execute(GET_MESSAGES, {"ids": list(ids)})
        return {row[0]: MessageFacts(*row) for row in result}

    async def list_chunks(
        self, session: AsyncSession, ids: Sequence[str]
    ) -> dict[str, list[StoredChunk]]:
        stored: dict[str, list[StoredChunk]] = {}
        for row in await session.execute(LIST_CHUNKS, {"ids": list(ids)}):
            stored.setdefault(row[0], []).append(StoredChunk(*row))
        return stored

    async def delete_chunks(self, session: AsyncSession, cuts: Mapping[str, int]) -> int:
        """Delete each message's chunks from its index on (``0``: all of them)."""
        if not cuts:
            return 0
        result = await session.execute(
            DELETE_CHUNKS, {"ids": list(cuts), "from_indexes": list(cuts.values())}
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def upsert_pending(
        self, session: AsyncSession, new_chunks: Sequence[tuple[MessageFacts, NewChunk]]
    ) -> None:
        """Write new or changed chunk texts as ``pending`` with no vector."""
        if not new_chunks:
            return
        await session.execute(
            UPSERT_PENDING,
            [
                {
                    **_filters(message),
                    "message_global_id": message.message_global_id,
                    "chunk_index": chunk.chunk_index,
                    "text": chunk.text,
                    "text_hash": chunk.text_hash,
                    "content_tokens": chunk.tokens,
                    "embedding_status": EmbeddingStatus.PENDING,
                }
                for message, chunk in new_chunks
            ],
        )

    async def copy_filters(self, session: AsyncSession, messages: Sequence[MessageFacts]) -> None:
        """Copy each message's filter facts onto all its chunks (search needs no join)."""
        if not messages:
            return
        await session.execute(
            COPY_FILTERS,
            [
                {"message_id": message.message_global_id, **_filters(message)}
                for message in messages
            ],
        )

    async def reuse_vectors(
        self, session: AsyncSession, ids: Sequence[str], model: str
    ) -> Counter[str]:
        """Give waiting chunks the vector of a ``ready`` chunk with the same text and model
        (a correlated lookup through the ``text_hash`` index); chunks reused per message."""
        if not ids:
            return Counter()
        result = await session.execute(REUSE_VECTORS, {"ids": list(ids), "model": model})
        return Counter(result.scalars())

    async def claim(
        self, session: AsyncSession, ids: Sequence[str], *, stuck_after: timedelta
    ) -> list[ClaimedChunk]:
        """Move these messages' waiting chunks to ``processing``; a chunk another replica is
        embedding right now (``processing`` for less than ``stuck_after``) is left alone."""
        if not ids:
            return []
        result = await session.execute(CLAIM, {"ids": list(ids), "stuck_after": stuck_after})
        return [ClaimedChunk(*row) for row in result]

    async def mark_ready(
        self,
        session: AsyncSession,
        claimed: Sequence[ClaimedChunk],
        embedded: Sequence[ModelVectors],
    ) -> None:
        """Store every model's vectors for chunks still ``processing`` with the text they
        were claimed with, each in its model's slot.

        Takes the messages' locks first: a batch touches many messages' rows, and a sync of
        an overlapping batch must not hold some of those rows while waiting for the others.
        """
        await self.lock_messages(session, sorted({chunk.owner_global_id for chunk in claimed}))
        slots = tuple(model_vectors.model.slot for model_vectors in embedded)
        await session.execute(
            mark_ready(slots),
            [
                {
                    "chunk_id": chunk.id,
                    "claimed_hash": chunk.text_hash,
                    **slot_parameters(embedded, row),
                }
                for row, chunk in enumerate(claimed)
            ],
        )

    async def mark_failed(
        self, session: AsyncSession, claimed: Sequence[ClaimedChunk], error: str
    ) -> None:
        await session.execute(
            MARK_FAILED, {"chunk_ids": [chunk.id for chunk in claimed], "error": error}
        )

    async def requeue_stuck(
        self, session: AsyncSession, *, stuck_after: timedelta, limit: int
    ) -> Requeued:
        """Reset chunks waiting longer than ``stuck_after`` to ``pending`` (rows another
        sweeper holds are skipped) and name their messages and documents."""
        return await self._requeue(
            session,
            and_(
                RagChunk.embedding_status.in_(
                    (EmbeddingStatus.PENDING, EmbeddingStatus.PROCESSING)
                ),
                RagChunk.updated_at < func.now() - stuck_after,
            ),
            limit,
        )

    async def requeue_failed(self, session: AsyncSession, *, limit: int) -> Requeued:
        return await self._requeue(
            session, RagChunk.embedding_status == EmbeddingStatus.FAILED, limit
        )

    async def _requeue(self, session: AsyncSession, condition: object, limit: int) -> Requeued:
        picked = (
            select(RagChunk.id)
            .where(condition)  # type: ignore[arg-type]
            .order_by(RagChunk.updated_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        result = await session.execute(
            update(RagChunk)
            .where(RagChunk.id.in_(picked))
            .values(embedding_status=EmbeddingStatus.PENDING, updated_at=func.now())
            .returning(RagChunk.message_global_id, RagChunk.document_global_id)
        )
        rows = list(result)
        return Requeued(
            messages=sorted({message for message, _ in rows if message}),
            documents=sorted({document for _, document in rows if document}),
        )

    async def get_message_versions(
        self, session: AsyncSession, ids: Sequence[str]
    ) -> list[MessageVersion]:
        """The facts a re-queued ``message.upserted.v1`` event carries, for existing rows."""
        statement = select(
            CwMessage.id,
            CwMessage.conversation_global_id,
            CwMessage.account_id,
            CwMessage.updated_at,
            CwMessage.content,
        ).where(CwMessage.id.in_(ids))
        return [MessageVersion(*row) for row in await session.execute(statement)]


def _filters(message: MessageFacts) -> dict[str, object]:
    """The message facts every chunk carries, by column name."""
    return {name: getattr(message, name) for name in COPIED_FACTS}


chunk_repository = ChunkRepository()
