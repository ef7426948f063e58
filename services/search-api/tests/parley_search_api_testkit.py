"""Factories and callers for search-api tests: rows written straight into the shared tables."""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Unpack

import httpx
import numpy as np
from parley_authn import SESSION_COOKIE, hash_secret, new_api_token, new_session_secret
from parley_embeddings.document_chunking import DocumentChunker
from parley_embeddings.local import LocalProvider
from parley_runtime.database import get_session
from parley_schema.ids import contact_global_id, conversation_global_id, message_global_id
from parley_schema.models import (
    ApiToken,
    AppUser,
    CwContact,
    CwConversation,
    CwMessage,
    EmbeddingStatus,
    Project,
    ProjectMember,
    ProjectSource,
    RagChunk,
)
from parley_schema.models import Session as LoginSession
from parley_search_api.main import create_app
from parley_search_api.settings import SearchSettings
from parley_testing.knowledge import (
    DocumentFacts,
    EmbeddedChunk,
    article_global_id,
    markdownish,
    put_document,
    store_chunks,
    upload_global_id,
)
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

CHATWOOT_URL = "https://chat.example.com"
_ids = itertools.count(1)


@dataclass(frozen=True)
class Caller:
    user_id: uuid.UUID
    project_id: uuid.UUID | None
    token: str
    cookie: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def cookies(self) -> dict[str, str]:
        return {SESSION_COOKIE: self.cookie}


@dataclass
class World:
    """Factories writing straight into the shared tables, like ingest and embedder would."""

    session: AsyncSession
    provider: LocalProvider
    conversations: dict[str, tuple[int, int]] = field(default_factory=dict)  # gid → account, inbox
    clock: datetime = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    async def caller(self, sources: Sequence[tuple[int, int | None]]) -> Caller:
        """A user who owns a new project searching ``sources`` (account, inbox or None)."""
        project_id = uuid.uuid4()
        await self.session.execute(insert(Project).values(id=project_id, name=f"p{project_id}"))
        for account_id, inbox_id in sources:
            await self.session.execute(
                insert(ProjectSource).values(
                    project_id=project_id, account_id=account_id, inbox_id=inbox_id
                )
            )
        return await self.member(project_id)

    async def member(
        self,
        project_id: uuid.UUID | None,
        *,
        active: bool = True,
        role: str = "owner",
        token_scopes: Sequence[str] = ("private",),
    ) -> Caller:
        """A user of ``project_id``; by default an owner whose token reads private notes."""
        user_id = uuid.uuid4()
        await self.session.execute(
            insert(AppUser).values(id=user_id, username=f"u{user_id.hex}", password_hash="x")
        )
        token, cookie = new_api_token(), new_session_secret()
        now = datetime.now(UTC)
        if project_id is not None:
            await self.session.execute(
                insert(ProjectMember).values(project_id=project_id, user_id=user_id, role=role)
            )
            await self.session.execute(
                insert(ApiToken).values(
                    project_id=project_id,
                    user_id=user_id,
                    name="t",
                    prefix=token[:12],
                    token_hash=hash_secret(token),
                    scopes=list(token_scopes),
                )
            )
        await self.session.execute(
            insert(LoginSession).values(
                session_id=hash_secret(cookie),
                user_id=user_id,
                active_project_id=project_id if active else None,
                expires_at=now + timedelta(days=1),
                last_seen_at=now,
            )
        )
        return Caller(user_id=user_id, project_id=project_id, token=token, cookie=cookie)

    async def contact(
        self,
        account_id: int,
        *,
        name: str | None = None,
        email: str | None = None,
        phone_number: str | None = None,
        identifier: str | None = None,
        custom_attributes: dict[str, Any] | None = None,
        labels: Sequence[str] | None = None,
        last_activity_at: datetime | None = None,
    ) -> str:
        contact_id = next(_ids)
        gid = contact_global_id(account_id, contact_id)
        await self.session.execute(
            insert(CwContact).values(
                id=gid,
                account_id=account_id,
                contact_id=contact_id,
                name=name,
                email=email,
                phone_number=phone_number,
                identifier=identifier,
                custom_attributes=custom_attributes or {},
                labels=None if labels is None else list(labels),
                last_activity_at=last_activity_at,
                data={},
            )
        )
        return gid

    async def conversation(
        self,
        account_id: int,
        *,
        inbox_id: int = 1,
        display_id: int | None = None,
        status: str = "open",
        labels: Sequence[str] = (),
        contact: str | None = None,
        custom_attributes: dict[str, Any] | None = None,
        assignee_id: int | None = None,
        created_at: datetime | None = None,
        last_activity_at: datetime | None = None,
    ) -> str:
        """Chatwoot's times are stored as it sends them: unix seconds in ``data``."""
        number = display_id if display_id is not None else next(_ids)
        data: dict[str, Any] = {
            "labels": list(labels),
            "custom_attributes": custom_attributes or {},
        }
        if created_at is not None:
            data["created_at"] = int(created_at.timestamp())
        if last_activity_at is not None:
            data["last_activity_at"] = int(last_activity_at.timestamp())
        gid = conversation_global_id(account_id, number)
        await self.session.execute(
            insert(CwConversation).values(
                id=gid,
                account_id=account_id,
                conversation_id=number,
                contact_global_id=contact,
                inbox_id=inbox_id,
                status=status,
                assignee_id=assignee_id,
                data=data,
            )
        )
        self.conversations[gid] = (account_id, inbox_id)
        return gid

    async def message(
        self,
        conversation: str,
        text: str,
        *,
        sender_type: str = "Contact",
        message_type: str = "incoming",
        private: bool = False,
        created_at: datetime | None = None,
        deleted: bool = False,
        vector: Sequence[float] | None = None,
    ) -> str:
        """A message and its one ready chunk, embedded by the real model unless given."""
        account_id, inbox_id = self.conversations[conversation]
        message_id = next(_ids)
        gid = message_global_id(account_id, message_id)
        self.clock += timedelta(minutes=1)
        created = created_at or self.clock
        await self.session.execute(
            insert(CwMessage).values(
                id=gid,
                account_id=account_id,
                message_id=message_id,
                conversation_id=int(conversation.rsplit(":", 1)[1]),
                conversation_global_id=conversation,
                sender_type=sender_type,
                private=private,
                message_type=message_type,
                content=text,
                data={"sender": {"name": f"{sender_type} {message_id}"}},
                created_at=created,
                deleted_at=created if deleted else None,
            )
        )
        embedding = list(vector) if vector is not None else (await self.provider.embed([text]))[0]
        await self.session.execute(
            insert(RagChunk).values(
                conversation_global_id=conversation,
                message_global_id=gid,
                chunk_index=0,
                text=text,
                embedding=embedding,
                embedding_status=EmbeddingStatus.READY,
                embedding_model=self.provider.model_name,
                account_id=account_id,
                inbox_id=inbox_id,
                private=private,
                message_type=message_type,
                sender_type=sender_type,
                message_created_at=created,
            )
        )
        return gid

    async def document(self, text: str, *, title: str, **facts: Unpack[DocumentFacts]) -> str:
        """A knowledge document (``#`` headings, blank-line paragraphs) and its ready chunks,
        chunked and embedded as the embedder does: an article of ``account_id`` or an upload
        of ``project_id``."""
        account_id = facts.get("account_id")
        global_id = (
            article_global_id(account_id, next(_ids))
            if account_id is not None
            else upload_global_id()
        )
        await put_document(
            self.session, global_id=global_id, title=title, body=markdownish(text), **facts
        )
        chunks = DocumentChunker(self.provider.count_tokens).split(title, markdownish(text))
        vectors = await self.provider.embed([chunk.text for chunk in chunks])
        await store_chunks(
            self.session,
            global_id,
            [
                EmbeddedChunk(c.text, c.tokens, c.heading_path, c.page, vector)
                for c, vector in zip(chunks, vectors, strict=True)
            ],
            model=self.provider.model_name,
        )
        return global_id


async def open_client(
    settings: SearchSettings, provider: LocalProvider, session: AsyncSession
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, provider=provider)

    async def test_session() -> AsyncIterator[AsyncSession]:
        yield session

    app.dependency_overrides[get_session] = test_session
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


REFUND_POLICY = """# Refunds

## How long a refund takes

Refunds reach the card that paid within five working days of our approval.

## Exceptions

Gift cards cannot be refunded."""
REPLY = (
    "I have approved the refund for the returned shoes. "
    "The money will be back on your card within five working days."
)


@dataclass(frozen=True)
class AnswersCorpus:
    """A refund question, its resolved precedent, a policy article, and what must not be
    cited (a private note, an open conversation's reply)."""

    caller: Caller
    stranger: Caller
    refunds: str
    resolved: str
    reply: str
    private_note: str
    open_reply: str
    asking: str


async def answers_corpus(world: World) -> AnswersCorpus:
    caller = await world.caller([(1, None)])
    stranger = await world.caller([(2, None)])
    refunds = await world.document(
        REFUND_POLICY,
        title="Refund policy",
        account_id=1,
        category="policy",
        url="https://help.example.com/hc/main/articles/refunds",
    )
    resolved = await world.conversation(1, status="resolved")
    await world.message(resolved, "I sent the shoes back, when will I get my money?")
    private_note = await world.message(
        resolved,
        "Internal: the refund for the shoes is approved, money back in five days.",
        sender_type="User",
        message_type="outgoing",
        private=True,
    )
    reply = await world.message(resolved, REPLY, sender_type="User", message_type="outgoing")
    still_open = await world.conversation(1, status="open")
    await world.message(still_open, "My shoes refund, when does the money arrive?")
    open_reply = await world.message(
        still_open,
        "Your refund for the shoes will be on your card in five working days.",
        sender_type="User",
        message_type="outgoing",
    )
    asking = await world.conversation(1, status="open")
    await world.message(asking, "Hello!")
    await world.message(asking, "I returned my shoes last week. When do I get my refund?")
    return AnswersCorpus(
        caller, stranger, refunds, resolved, reply, private_note, open_reply, asking
    )


# Fake chat models for parley_embeddings' fake OpenAI server: the request's messages → reply.
SOURCE_LINE = re.compile(r"^\[((?:cwmsg|cwart|kbdoc):[^\]\s]+)\]", re.MULTILINE)
INVENTED_ID = "cwmsg:1:999999999"


def sources_sent(messages: list[dict[str, Any]]) -> list[str]:
    """The ids of the sources a prompt lists, in its order."""
    return SOURCE_LINE.findall(messages[-1]["content"])


def citing_model(messages: list[dict[str, Any]]) -> str:
    """A faithful model: one sentence per source it was given, each cited."""
    return " ".join(
        f"Source {n} says the refund takes five working days. [{source}]"
        for n, source in enumerate(sources_sent(messages), start=1)
    )


def inventing_model(messages: list[dict[str, Any]]) -> str:
    """Cites one real source and one it was never given."""
    first = sources_sent(messages)[0]
    return f"Refunds take five working days. [{first}] You get a bonus too. [{INVENTED_ID}]"


def uncited_model(messages: list[dict[str, Any]]) -> str:
    return "Refunds usually take a few days."


VECTOR_MODEL = "sentence-transformers/all-MiniLM-L6-v2"  # the template database's model


def clustered_vectors(
    rng: np.random.Generator, count: int, *, clusters: int = 20, dim: int = 384
) -> np.ndarray:
    """Synthetic unit vectors around ``clusters`` random centres."""
    centres = rng.normal(size=(clusters, dim))
    points = centres[rng.integers(0, clusters, count)] + 0.6 * rng.normal(size=(count, dim))
    normalised: np.ndarray = points / np.linalg.norm(points, axis=1, keepdims=True)
    return normalised


def vector_chunk(n: int, vector: np.ndarray, **facts: Any) -> dict[str, Any]:
    """Chunk ``n`` (conversation ``cw:1:n``) of account 1 with ``vector``, ready."""
    return {
        "conversation_global_id": f"cw:1:{n}",
        "message_global_id": f"cwmsg:1:{n}",
        "chunk_index": 0,
        "text": f"message {n}",
        "embedding": vector.tolist(),
        "embedding_status": EmbeddingStatus.READY,
        "embedding_model": VECTOR_MODEL,
        "account_id": 1,
        **facts,
    }
