"""The ``ingest-reconcile`` job: make Parley forget what Chatwoot deleted, follow merges.

Chatwoot sends no webhook when a conversation or contact is deleted, or when contacts are
merged (``ContactMergeAction`` moves the mergee's conversations to the base contact and
destroys the mergee). So reconcile lists the account through the REST API and compares:

1. Every conversation (``status=all``, every page) and every listed contact (every page).
   Nothing is changed until both listings are complete: a failing page stops the run with
   nothing deleted.
2. A conversation Parley has but the listing lacks is asked for by id; only a 404 removes it
   (with its messages, chunks, vectors and outbox events). Another answer keeps it; an error
   stops the run before anything is deleted.
3. A conversation whose contact in Chatwoot differs from Parley's (a merge) is re-pointed,
   with its messages.
4. A contact Parley has, that the listing lacks and no conversation names, is asked for by
   id (the listing shows only contacts with an e-mail address or phone number); a 404
   removes it with its outbox events.

Every removal of a run is one transaction. Each run is a ``job_runs`` row through
:func:`parley_schema.jobs.run_job` (one replica at a time), from ``parley reconcile`` and,
every ``PARLEY_RECONCILE_INTERVAL_S``, in the ingest process for every account Parley holds.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import structlog
from parley_schema.ids import contact_global_id
from parley_schema.jobs import JobResult, Work, run_job, running_periodically
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from parley_ingest import metrics
from parley_ingest.backfill.client import ChatwootClient, configured_client
from parley_ingest.backfill.errors import BackfillNotConfigured
from parley_ingest.backfill.service import BackfillProgress
from parley_ingest.deletions.repository import Removed, deletion_repository
from parley_ingest.reconcile.repository import StoredConversation, reconcile_repository
from parley_ingest.retention.repository import retention_repository
from parley_ingest.settings import IngestSettings

log = structlog.get_logger(__name__)

RECONCILE_JOB = "ingest-reconcile"
CONVERSATIONS = "conversations listed"
CONTACTS = "contacts listed"


@dataclass
class ReconcileSummary:
    account_id: int
    conversations_listed: int = 0
    contacts_listed: int = 0
    repointed: int = 0
    removed: Removed = field(default_factory=Removed)

    def as_dict(self) -> dict[str, int]:
        return {
            "conversations_listed": self.conversations_listed,
            "contacts_listed": self.contacts_listed,
            "repointed": self.repointed,
            **self.removed.as_dict(),
        }


@dataclass(frozen=True)
class _Listing:
    conversations: dict[int, int | None]  # display id → contact id (None: no sender)
    contacts: set[int]


class _SilentProgress:
    def start(self, phase: str, total: int | None) -> None:
        pass

    def advance(self, phase: str, count: int) -> None:
        pass


def _sender_id(conversation: dict[str, Any]) -> int | None:
    meta = conversation.get("meta")
    sender = meta.get("sender") if isinstance(meta, dict) else None
    sender_id = sender.get("id") if isinstance(sender, dict) else None
    return sender_id if isinstance(sender_id, int) else None


class ReconcileService:
    def __init__(
        self,
        *,
        client: ChatwootClient,
        sessionmaker: async_sessionmaker[AsyncSession],
        progress: BackfillProgress | None = None,
    ) -> None:
        self._client = client
        self._sessionmaker = sessionmaker
        self._progress = progress or _SilentProgress()

    async def run_once(self, account_id: int) -> ReconcileSummary | None:
        """Reconcile one account now (None: another replica is reconciling)."""
        summaries: list[ReconcileSummary] = []
        if (
            await run_job(self._sessionmaker, RECONCILE_JOB, self._work([account_id], summaries))
            is None
        ):
            return None
        return summaries[0]

    def _work(self, accounts: list[int] | None, summaries: list[ReconcileSummary]) -> Work:
        """Reconcile ``accounts`` (None: every account Parley holds) in the job's transaction."""

        async def work(session: AsyncSession) -> JobResult:
            summaries.clear()
            for account_id in accounts or await retention_repository.accounts(session):
                summaries.append(await self._reconcile(session, account_id))
            removed = Removed()
            for summary in summaries:
                removed.add(summary.removed)
            return JobResult(
                processed=removed.conversations + removed.contacts,
                meta={
                    **removed.as_dict(),
                    "repointed": sum(s.repointed for s in summaries),
                    "accounts": {str(s.account_id): s.as_dict() for s in summaries},
                },
            )

        return work

    async def _reconcile(self, session: AsyncSession, account_id: int) -> ReconcileSummary:
        summary = ReconcileSummary(account_id)
        listing = await self._list(account_id)
        summary.conversations_listed = len(listing.conversations)
        summary.contacts_listed = len(listing.contacts)
        chatwoot_contact = dict(listing.conversations)
        gone: list[StoredConversation] = []
        stored = await reconcile_repository.conversations(session, account_id)
        for conversation in stored:
            if conversation.conversation_id in chatwoot_contact:
                continue
            found = await self._client.conversation(account_id, conversation.conversation_id)
            if found is None:
                gone.append(conversation)
            else:
                chatwoot_contact[conversation.conversation_id] = _sender_id(found)
        contacts = await reconcile_repository.contacts(session, account_id)
        referenced = {c for c in chatwoot_contact.values() if c is not None}
        gone_contacts = [
            global_id
            for contact_id, global_id in sorted(contacts.items())
            if contact_id not in listing.contacts
            and contact_id not in referenced
            and await self._client.contact(account_id, contact_id) is None
        ]
        # Every question is answered: only now does anything change.
        gone_ids = {c.id for c in gone}
        for conversation in stored:
            owner = chatwoot_contact.get(conversation.conversation_id)
            if conversation.id in gone_ids or owner is None:
                continue
            owner_id = contact_global_id(account_id, owner)
            if owner_id != conversation.contact_global_id:
                await deletion_repository.repoint_conversation(session, conversation.id, owner_id)
                summary.repointed += 1
        summary.removed.add(
            await deletion_repository.delete_conversations(session, sorted(gone_ids))
        )
        summary.removed.add(await deletion_repository.delete_contacts(session, gone_contacts))
        for kind, count in summary.removed.as_dict().items():
            if count:
                metrics.RECONCILE_REMOVED.labels(kind).inc(count)
        metrics.RECONCILE_REPOINTED.inc(summary.repointed)
        log.info("account_reconciled", account_id=account_id, **summary.as_dict())
        return summary

    async def _list(self, account_id: int) -> _Listing:
        """Every conversation and listed contact of the account; any failure raises."""
        conversations: dict[int, int | None] = {}
        page_number = 1
        self._progress.start(CONVERSATIONS, None)
        while (
            page := await self._client.conversations(account_id, page=page_number, inbox_id=None)
        ).conversations:
            for raw in page.conversations:
                if isinstance(raw.get("id"), int):
                    conversations[raw["id"]] = _sender_id(raw)
            self._progress.advance(CONVERSATIONS, len(page.conversations))
            page_number += 1
        contacts: set[int] = set()
        page_number = 1
        self._progress.start(CONTACTS, None)
        while raw_contacts := await self._client.contacts(account_id, page=page_number):
            contacts |= {c["id"] for c in raw_contacts if isinstance(c.get("id"), int)}
            self._progress.advance(CONTACTS, len(raw_contacts))
            page_number += 1
        return _Listing(conversations, contacts)

    @contextlib.asynccontextmanager
    async def running(self, *, interval_s: float) -> AsyncIterator[None]:
        """Reconcile every account now and then every ``interval_s``, until the block exits."""
        async with running_periodically(
            self._sessionmaker, RECONCILE_JOB, self._work(None, []), interval_s=interval_s
        ):
            yield


@contextlib.asynccontextmanager
async def build_reconcile_service(
    settings: IngestSettings,
    sessionmaker: async_sessionmaker[AsyncSession],
    progress: BackfillProgress | None = None,
) -> AsyncIterator[ReconcileService]:
    """Reconcile with the backfill's Chatwoot client (same settings), open for the block."""
    async with configured_client(
        settings, not_configured=BackfillNotConfigured, purpose="reconcile"
    ) as client:
        yield ReconcileService(client=client, sessionmaker=sessionmaker, progress=progress)
