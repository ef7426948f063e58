"""Many messages' chunk syncs in one transaction, group-commit style.

Each message being handled asks for its sync and waits. One worker runs a transaction for
everything that is waiting (up to ``max_messages``); what arrives meanwhile forms the next
one. A lone message therefore starts at once, and under load the per-statement cost is
shared by the batch. If a batch's transaction fails, each message is retried alone, so one
message that cannot be synced fails only itself.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from parley_embedder.chunks.service import ChunkService, SyncRequest, SyncResult, SyncStatus

log = structlog.get_logger(__name__)


@dataclass
class _Waiting:
    request: SyncRequest
    future: asyncio.Future[SyncResult] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class SyncBatcher:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        chunks: ChunkService,
        max_messages: int,
    ) -> None:
        self._sessions = sessions
        self._chunks = chunks
        self._max_messages = max_messages
        self._waiting: list[_Waiting] = []
        self._arrived = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None

    async def sync(self, request: SyncRequest) -> SyncResult:
        """The message's chunks converged and committed; its claimed chunks to embed."""
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._run(), name="chunk-sync-batcher")
        waiting = _Waiting(request)
        self._waiting.append(waiting)
        self._arrived.set()
        return await waiting.future

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
        for waiting in self._waiting:
            waiting.future.cancel()

    async def _run(self) -> None:
        while True:
            await self._arrived.wait()
            self._arrived.clear()
            while self._waiting:
                batch = self._waiting[: self._max_messages]
                del self._waiting[: self._max_messages]
                await self._sync(batch)

    async def _sync(self, batch: list[_Waiting]) -> None:
        try:
            async with self._sessions() as session, session.begin():
                results = await self._chunks.sync_many(
                    session, [waiting.request for waiting in batch]
                )
        except Exception as error:
            if len(batch) > 1:
                log.info(
                    "chunk_sync_isolating", messages=len(batch), error_type=type(error).__name__
                )
                for waiting in batch:
                    await self._sync([waiting])
            elif not batch[0].future.done():
                batch[0].future.set_exception(error)
            return
        answered: set[str] = set()
        for waiting in batch:
            message_id = waiting.request.message_global_id
            result = results[message_id]
            if message_id in answered and result.status is SyncStatus.TO_EMBED:
                # Two events for one message in a batch: the first embeds the claimed
                # chunks; if that fails, its own event comes back.
                result = _NOTHING_LEFT
            answered.add(message_id)
            if not waiting.future.done():
                waiting.future.set_result(result)


_NOTHING_LEFT = SyncResult(SyncStatus.CURRENT)
