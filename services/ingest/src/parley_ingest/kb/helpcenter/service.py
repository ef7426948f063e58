"""The ``ingest-kb-sync`` job: poll Chatwoot's Help Center into knowledge documents.

Chatwoot sends no webhook for articles, so they are polled. For each portal of an account
(``GET …/portals``), the articles listing (every locale and status) comes newest
``updated_at`` first, 25 a page:

- **Incremental** (the usual run): pages are read until an article older than the portal's
  watermark (``sync_watermarks`` source ``kb:<account>:<portal slug>``, the newest
  ``updated_at`` seen) appears; articles at the watermark itself are read again (an
  unchanged article writes nothing).
- **Full** (the first run of a portal, then at least every :data:`FULL_LISTING_EVERY`, or
  ``parley kb sync --full``): every page; a stored article the complete listing lacks is
  asked for by id and removed (row, chunks, vectors) only when Chatwoot answers 404.
  Nothing is removed unless the whole listing was read.

An article without ``content`` in the listing is read by id. ``published`` articles are
searchable, ``draft`` ones only with ``PARLEY_KB_INCLUDE_DRAFTS=true``; an ``archived`` (or
unpublished) article, and every article of an archived portal, leaves search (its row stays
with ``archived_at``, it comes back when published again). 429s wait for ``Retry-After``
(:class:`parley_ingest.backfill.client.ChatwootClient`). Each run is one transaction and one
``job_runs`` row (one replica at a time), from ``parley kb sync`` and, every
``PARLEY_KB_SYNC_INTERVAL_S``, in the ingest process for every account it knows.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import structlog
from parley_schema.jobs import JobResult, Work, run_job, running_periodically
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from parley_ingest.backfill.client import ChatwootClient, configured_client
from parley_ingest.backfill.errors import ChatwootApiError
from parley_ingest.backfill.repository import backfill_repository
from parley_ingest.backfill.service import BackfillProgress
from parley_ingest.kb.errors import HelpCenterNotConfigured
from parley_ingest.kb.helpcenter.articles import article_write, is_searchable, updated_at
from parley_ingest.kb.repository import knowledge_repository
from parley_ingest.kb.store import SaveOutcome, knowledge_store
from parley_ingest.outbox.repository import OutboxRepository
from parley_ingest.retention.repository import retention_repository
from parley_ingest.settings import IngestSettings

log = structlog.get_logger(__name__)

KB_SYNC_JOB = "ingest-kb-sync"
FULL_LISTING_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class SyncRequest:
    account_id: int
    portal_slug: str | None = None  # None: every portal
    full: bool = False  # list every page and remove what Chatwoot deleted


@dataclass
class PortalSummary:
    slug: str
    full: bool
    listed: int = 0
    details_read: int = 0
    created: int = 0
    new_versions: int = 0
    facts_changed: int = 0
    unchanged: int = 0
    failed: int = 0
    left_search: int = 0
    removed: int = 0

    def count(self, outcome: SaveOutcome) -> None:
        name = {
            SaveOutcome.CREATED: "created",
            SaveOutcome.NEW_VERSION: "new_versions",
            SaveOutcome.FACTS_CHANGED: "facts_changed",
            SaveOutcome.UNCHANGED: "unchanged",
            SaveOutcome.FAILED: "failed",
        }[outcome]
        setattr(self, name, getattr(self, name) + 1)

    @property
    def events(self) -> int:
        changed = self.created + self.new_versions + self.facts_changed + self.failed
        return changed + self.left_search + self.removed


@dataclass
class SyncSummary:
    account_id: int
    portals: list[PortalSummary] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"account_id": self.account_id, "portals": [asdict(p) for p in self.portals]}


class _SilentProgress:
    def start(self, phase: str, total: int | None) -> None:
        pass

    def advance(self, phase: str, count: int) -> None:
        pass


def watermark_source(account_id: int, portal_slug: str) -> str:
    return f"kb:{account_id}:{portal_slug}"


class HelpCenterSync:
    def __init__(
        self,
        *,
        settings: IngestSettings,
        client: ChatwootClient,
        sessionmaker: async_sessionmaker[AsyncSession],
        progress: BackfillProgress | None = None,
    ) -> None:
        if settings.chatwoot_base_url is None:
            raise HelpCenterNotConfigured("set PARLEY_CHATWOOT_BASE_URL to sync the Help Center")
        self._base_url = str(settings.chatwoot_base_url)
        self._include_drafts = settings.kb_include_drafts
        self._known_accounts = sorted(
            {*settings.chatwoot_webhook_secrets, *settings.chatwoot_webhook_url_tokens}
        )
        self._client = client
        self._sessionmaker = sessionmaker
        self._progress = progress or _SilentProgress()
        self._outbox = OutboxRepository()

    async def run_once(self, request: SyncRequest) -> SyncSummary | None:
        """Sync one account now (None: another replica is syncing)."""
        summaries: list[SyncSummary] = []
        result = await run_job(self._sessionmaker, KB_SYNC_JOB, self._work([request], summaries))
        return None if result is None else summaries[0]

    def _work(self, requests: list[SyncRequest], summaries: list[SyncSummary]) -> Work:
        """Sync ``requests`` in the job's transaction; any failure fails the run."""

        async def work(session: AsyncSession) -> JobResult:
            summaries.clear()
            for request in requests:
                summaries.append(await self._sync(session, request))
            return await self._result(session, summaries, skipped=[])

        return work

    def _every_account_work(self) -> Work:
        """Sync every account ingest knows; an account Chatwoot refuses (no Help Center,
        a token without access) is skipped, its writes rolled back, and the others go on."""

        async def work(session: AsyncSession) -> JobResult:
            summaries, skipped = [], []
            for request in await self._every_account(session):
                try:
                    async with session.begin_nested():
                        summaries.append(await self._sync(session, request))
                except ChatwootApiError as error:
                    log.warning(
                        "help_center_sync_skipped", account_id=request.account_id, error=error.code
                    )
                    skipped.append(request.account_id)
            return await self._result(session, summaries, skipped=skipped)

        return work

    async def _result(
        self, session: AsyncSession, summaries: list[SyncSummary], *, skipped: list[int]
    ) -> JobResult:
        events = sum(p.events for s in summaries for p in s.portals)
        if events:
            await self._outbox.notify_relays(session)
        return JobResult(
            processed=sum(p.listed for s in summaries for p in s.portals),
            meta={
                "events": events,
                "accounts": [s.as_dict() for s in summaries],
                "skipped_accounts": skipped,
            },
        )

    async def _every_account(self, session: AsyncSession) -> list[SyncRequest]:
        accounts = set(self._known_accounts)
        accounts |= set(await retention_repository.accounts(session))
        accounts |= set(await knowledge_repository.article_accounts(session))
        return [SyncRequest(account_id) for account_id in sorted(accounts)]

    async def _sync(self, session: AsyncSession, request: SyncRequest) -> SyncSummary:
        summary = SyncSummary(request.account_id)
        portals = await self._client.portals(request.account_id)
        if request.portal_slug is not None:
            portals = [p for p in portals if p.get("slug") == request.portal_slug]
            if not portals:
                raise ChatwootApiError(
                    f"account {request.account_id} has no portal {request.portal_slug!r}"
                )
        now = await session.scalar(select(func.now()))
        assert now is not None
        for portal in portals:
            if isinstance(portal.get("slug"), str) and portal["slug"]:
                summary.portals.append(await self._sync_portal(session, request, portal, now=now))
        log.info("help_center_synced", **summary.as_dict())
        return summary

    async def _sync_portal(
        self, session: AsyncSession, request: SyncRequest, portal: dict[str, Any], *, now: datetime
    ) -> PortalSummary:
        account_id, slug = request.account_id, str(portal["slug"])
        source = watermark_source(account_id, slug)
        mark = await backfill_repository.watermark(session, source)
        full_at = mark.meta.get("full_listed_at") if mark is not None else None
        full = (
            request.full
            or mark is None
            or not isinstance(full_at, str)
            or datetime.fromisoformat(full_at) < now - FULL_LISTING_EVERY
        )
        cursor = None if full or mark is None else mark.cursor_ts
        summary = PortalSummary(slug=slug, full=full)
        stored = await knowledge_repository.articles(session, account_id, slug)
        searchable_portal = not portal.get("archived")
        listed: set[int] = set()
        newest = mark.cursor_ts if mark is not None else None
        phase = f"{slug}: articles"
        self._progress.start(phase, None)
        page = 1
        while articles := await self._client.articles(account_id, slug, page=page):
            reached_watermark = False
            for article in articles:
                if not isinstance(article.get("id"), int) or isinstance(article["id"], bool):
                    continue
                changed_at = updated_at(article)
                if cursor is not None and changed_at is not None and changed_at < cursor:
                    reached_watermark = True
                    break
                listed.add(article["id"])
                summary.listed += 1
                if changed_at is not None and (newest is None or changed_at > newest):
                    newest = changed_at
                await self._apply(
                    session, account_id, portal, article, searchable_portal, summary, now=now
                )
            self._progress.advance(phase, len(articles))
            if reached_watermark:
                break
            page += 1
        if full:
            await self._remove_vanished(session, account_id, slug, stored, listed, summary, now=now)
        meta = dict(mark.meta) if mark is not None else {}
        if full:
            meta["full_listed_at"] = now.isoformat()
        await backfill_repository.save_watermark(session, source, cursor_ts=newest, meta=meta)
        return summary

    async def _apply(
        self,
        session: AsyncSession,
        account_id: int,
        portal: dict[str, Any],
        article: dict[str, Any],
        searchable_portal: bool,
        summary: PortalSummary,
        *,
        now: datetime,
    ) -> None:
        slug = str(portal["slug"])
        searchable = searchable_portal and is_searchable(
            article, include_drafts=self._include_drafts
        )
        if searchable and not isinstance(article.get("content"), str):
            detail = await self._client.article(account_id, slug, article["id"])
            summary.details_read += 1
            if detail is None:  # deleted between the listing and now
                return
            article = detail
        write = article_write(account_id, portal, article, base_url=self._base_url)
        if searchable:
            saved = await knowledge_store.save(session, write, now=now)
            summary.count(saved.outcome)
            return
        document = await knowledge_repository.locked(session, write.global_id)
        if document is not None and await knowledge_store.withdraw(
            session, document, source_status=write.source_status, data=write.data, now=now
        ):
            summary.left_search += 1

    async def _remove_vanished(
        self,
        session: AsyncSession,
        account_id: int,
        slug: str,
        stored: dict[int, str],
        listed: set[int],
        summary: PortalSummary,
        *,
        now: datetime,
    ) -> None:
        """Remove stored articles the complete listing lacks and Chatwoot answers 404 for."""
        gone = []
        for article_id, global_id in sorted(stored.items()):
            if article_id in listed:
                continue
            if await self._client.article(account_id, slug, article_id) is None:
                document = await knowledge_repository.locked(session, global_id)
                if document is not None:
                    gone.append(document)
        summary.removed += await knowledge_store.delete(session, gone, now=now)

    @contextlib.asynccontextmanager
    async def running(self, *, interval_s: float) -> AsyncIterator[None]:
        """Sync every account now and then every ``interval_s``, until the block exits."""
        async with running_periodically(
            self._sessionmaker, KB_SYNC_JOB, self._every_account_work(), interval_s=interval_s
        ):
            yield


@contextlib.asynccontextmanager
async def build_help_center_sync(
    settings: IngestSettings,
    sessionmaker: async_sessionmaker[AsyncSession],
    progress: BackfillProgress | None = None,
) -> AsyncIterator[HelpCenterSync]:
    """The sync with the backfill's Chatwoot client (same settings), open for the block."""
    async with configured_client(
        settings, not_configured=HelpCenterNotConfigured, purpose="sync the Help Center"
    ) as client:
        yield HelpCenterSync(
            settings=settings, client=client, sessionmaker=sessionmaker, progress=progress
        )
