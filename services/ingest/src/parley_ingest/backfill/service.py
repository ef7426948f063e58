"""Backfill one Chatwoot account through the REST API, with the webhooks' normalization.

Each conversation (with its contact and messages) is written in one transaction through
:mod:`parley_ingest.normalization.service`, so rows and outbox events are exactly what
webhooks would produce, and an identical state changes nothing (no event).

Resumable: ``sync_watermarks`` (source ``chatwoot:<account>[:inbox:<id>]``) holds, while a run
is in progress, its phase and the next page to read; a run that stopped is resumed from there
with the same ``since``. A completed run stores its start time as ``cursor_ts``; the next run
without ``--since`` reads only conversations active since then (contacts are listed on full
runs only). Its last step reads the labels of the account's queued contacts (every contact
seen for the first time, and any a contact event marked) through the contact-label sync.
Every run is recorded in ``job_runs``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import structlog
from parley_schema.errors import ParleyError
from parley_schema.jobs import job_run_repository
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from parley_ingest.backfill.client import ChatwootClient
from parley_ingest.backfill.repository import backfill_repository
from parley_ingest.contact_labels.service import ContactLabelSync
from parley_ingest.normalization.api_objects import contact_from_api, conversation_from_api
from parley_ingest.normalization.errors import InvalidPayload
from parley_ingest.normalization.rows import RowBatch
from parley_ingest.normalization.service import IngestionService
from parley_ingest.outbox.repository import outbox_repository
from parley_ingest.settings import IngestSettings

log = structlog.get_logger(__name__)

CONTACTS = "contacts"
CONVERSATIONS = "conversations"


class BackfillProgress(Protocol):
    def start(self, phase: str, total: int | None) -> None: ...

    def advance(self, phase: str, count: int) -> None: ...


@dataclass(frozen=True)
class BackfillRequest:
    account_id: int
    since: datetime | None = None
    inbox_id: int | None = None

    @property
    def source(self) -> str:
        inbox = f":inbox:{self.inbox_id}" if self.inbox_id is not None else ""
        return f"chatwoot:{self.account_id}{inbox}"


@dataclass
class BackfillSummary:
    job_run_id: int = 0
    since: datetime | None = None
    resumed: bool = False
    contacts: int = 0
    conversations: int = 0
    messages: int = 0
    events_written: int = 0
    skipped: int = 0
    contact_labels: int = 0  # contacts whose labels were read

    @property
    def processed(self) -> int:
        return self.conversations + self.contacts

    def counts(self) -> dict[str, int]:
        return {
            "contacts": self.contacts,
            "conversations": self.conversations,
            "messages": self.messages,
            "events_written": self.events_written,
            "skipped": self.skipped,
            "contact_labels": self.contact_labels,
        }


@dataclass
class _Plan:
    run_started_at: datetime
    since: datetime | None
    phase: str
    next_page: int
    resumed: bool

    def as_meta(self) -> dict[str, Any]:
        return {
            "run_started_at": self.run_started_at.isoformat(),
            "since": self.since.isoformat() if self.since else None,
            "phase": self.phase,
            "next_page": self.next_page,
        }


@dataclass
class _Run:
    """One run's state: what it reads, where it is, what it has counted so far."""

    request: BackfillRequest
    plan: _Plan
    summary: BackfillSummary


class BackfillService:
    """Backfills through one Chatwoot client into one database; ``parley backfill`` builds
    it once per invocation. Runs share nothing but these collaborators."""

    def __init__(
        self,
        *,
        settings: IngestSettings,
        client: ChatwootClient,
        labels: ContactLabelSync,
        sessionmaker: async_sessionmaker[AsyncSession],
        progress: BackfillProgress,
        ingestion: IngestionService,
    ) -> None:
        self._settings = settings
        self._ingestion = ingestion
        self._client = client
        self._labels = labels
        self._sessionmaker = sessionmaker
        self._progress = progress

    async def run(self, request: BackfillRequest) -> BackfillSummary:
        async with self._sessionmaker() as session, session.begin():
            plan = await self._plan(session, request)
            job_run_id = await job_run_repository.start(
                session, f"backfill:{request.source}", plan.as_meta()
            )
        summary = BackfillSummary(job_run_id=job_run_id, since=plan.since, resumed=plan.resumed)
        run = _Run(request, plan, summary)
        log.info("backfill_started", account_id=request.account_id, resumed=plan.resumed)
        try:
            if plan.phase == CONTACTS:
                if plan.since is None:
                    await self._contacts(run)
                plan.phase, plan.next_page = CONVERSATIONS, 1
            await self._conversations(run)
            summary.contact_labels = await self._labels.drain(request.account_id)
        except (ParleyError, SQLAlchemyError, OSError) as error:
            async with self._sessionmaker() as session, session.begin():
                await _finish_job(session, summary, status="failed", error=_failure(error))
            log.warning(
                "backfill_failed", account_id=request.account_id, error=type(error).__name__
            )
            raise
        async with self._sessionmaker() as session, session.begin():
            await backfill_repository.save_watermark(
                session,
                request.source,
                cursor_ts=plan.run_started_at,
                meta={"completed_at": datetime.now(UTC).isoformat()},
            )
            await _finish_job(session, summary, status="ok")
        log.info("backfill_finished", account_id=request.account_id, **summary.counts())
        return summary

    async def _plan(self, session: AsyncSession, request: BackfillRequest) -> _Plan:
        watermark = await backfill_repository.watermark(session, request.source)
        meta = watermark.meta if watermark else {}
        if meta.get("run_started_at") and meta.get("phase") in (CONTACTS, CONVERSATIONS):
            since = meta.get("since")
            return _Plan(
                run_started_at=datetime.fromisoformat(meta["run_started_at"]),
                since=datetime.fromisoformat(since) if since else None,
                phase=meta["phase"],
                next_page=int(meta.get("next_page") or 1),
                resumed=True,
            )
        since = request.since or (watermark.cursor_ts if watermark else None)
        return _Plan(datetime.now(UTC), since, CONTACTS, 1, resumed=False)

    async def _next_page(self, run: _Run) -> None:
        """Move to the next page and keep the position, so a stopped run resumes there."""
        run.plan.next_page += 1
        async with self._sessionmaker() as session, session.begin():
            watermark = await backfill_repository.watermark(session, run.request.source)
            await backfill_repository.save_watermark(
                session,
                run.request.source,
                cursor_ts=watermark.cursor_ts if watermark else None,
                meta=run.plan.as_meta(),
            )

    async def _apply(self, run: _Run, batch: RowBatch) -> None:
        async with self._sessionmaker() as session, session.begin():
            envelopes = await self._ingestion.apply(
                session, batch, correlation_id=f"backfill-{run.summary.job_run_id}"
            )
            if envelopes:
                await outbox_repository.notify_relays(session)
        run.summary.events_written += len(envelopes)

    async def _contacts(self, run: _Run) -> None:
        account_id = run.request.account_id
        self._progress.start(CONTACTS, None)
        while raw_contacts := await self._client.contacts(account_id, page=run.plan.next_page):
            read_at = datetime.now(UTC)
            batch = RowBatch()
            for raw in raw_contacts:
                try:
                    batch.contacts.append(
                        contact_from_api(raw, account_id=account_id, version=read_at)
                    )
                except InvalidPayload:
                    run.summary.skipped += 1
            # A full run reads every listed contact's labels again (its last step): Chatwoot
            # may change them without a contact event.
            batch.labels_stale = [contact.id for contact in batch.contacts]
            await self._apply(run, batch)
            run.summary.contacts += len(batch.contacts)
            self._progress.advance(CONTACTS, len(raw_contacts))
            await self._next_page(run)

    async def _conversations(self, run: _Run) -> None:
        limit = asyncio.Semaphore(self._settings.backfill_concurrency)
        started = False
        while True:
            page = await self._client.conversations(
                run.request.account_id, page=run.plan.next_page, inbox_id=run.request.inbox_id
            )
            if not started:
                self._progress.start(CONVERSATIONS, page.all_count)
                started = True
            if not page.conversations:
                return
            selected = [c for c in page.conversations if _wanted(c, run.request, run.plan.since)]
            self._progress.advance(CONVERSATIONS, len(page.conversations) - len(selected))

            async def one(raw: dict[str, Any]) -> None:
                async with limit:
                    await self._conversation(run, raw)
                self._progress.advance(CONVERSATIONS, 1)

            await asyncio.gather(*(one(raw) for raw in selected))
            await self._next_page(run)

    async def _conversation(self, run: _Run, raw: dict[str, Any]) -> None:
        conversation_id = raw.get("id")
        if not isinstance(conversation_id, int):
            run.summary.skipped += 1
            return
        account_id = run.request.account_id
        messages = await self._messages(account_id, conversation_id, run.plan.since)
        try:
            batch, skipped = conversation_from_api(
                raw, messages, account_id=account_id, version=datetime.now(UTC)
            )
        except InvalidPayload:
            run.summary.skipped += 1
            return
        await self._apply(run, batch)
        run.summary.conversations += 1
        run.summary.messages += len(batch.messages)
        run.summary.skipped += skipped

    async def _messages(
        self, account_id: int, conversation_id: int, since: datetime | None
    ) -> list[dict[str, Any]]:
        """All messages (or those since ``since``), walking back with ``before``."""
        collected: list[dict[str, Any]] = []
        before: int | None = None
        while page := await self._client.messages(account_id, conversation_id, before=before):
            ids = [m["id"] for m in page if isinstance(m.get("id"), int)]
            fresh = [m for m in page if since is None or _created_at(m) >= since.timestamp()]
            collected.extend(fresh)
            if not ids or len(fresh) < len(page) or (before is not None and min(ids) >= before):
                break
            before = min(ids)
        return collected


async def _finish_job(
    session: AsyncSession, summary: BackfillSummary, *, status: str, error: str | None = None
) -> None:
    await job_run_repository.finish(
        session,
        summary.job_run_id,
        status=status,
        processed_count=summary.processed,
        meta=summary.counts(),
        error=error[:500] if error else None,
    )


def _failure(error: Exception) -> str:
    """What ``job_runs.error`` says: our own errors' messages (a Chatwoot path and status);
    of any other only its type, since a database error's text may quote row data."""
    if isinstance(error, ParleyError):
        return f"{type(error).__name__}: {error.message}"
    return type(error).__name__


def _created_at(message: dict[str, Any]) -> float:
    value = message.get("created_at")
    return float(value) if isinstance(value, int | float) else float("inf")


def _wanted(conversation: dict[str, Any], request: BackfillRequest, since: datetime | None) -> bool:
    if request.inbox_id is not None and conversation.get("inbox_id") != request.inbox_id:
        return False
    if since is None:
        return True
    activity = conversation.get("last_activity_at") or conversation.get("timestamp")
    return not isinstance(activity, int | float) or activity >= since.timestamp()
