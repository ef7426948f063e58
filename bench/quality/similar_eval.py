"""The ``similar`` section: precision@5 of similar conversations, finished and open.

Data: conversations in the quality format whose ``meta.group`` names the fix or support
document that solved them (``data/similar_conversations.jsonl``). Every conversation is
written resolved (direct_load). For each one, two queries:

- **finished**: ``GET /v1/conversations/{id}/similar`` of the conversation itself;
- **open**: the same conversation as it is while the customer waits, by this rule: **only the
  customer's turns before the first agent turn** (nobody has answered yet), status ``open``. It is written as a new conversation,
  queried, and deleted again before the next one, so the corpus holds one open conversation
  at a time. Its own finished version is left out of its ranking (it is the same case).

A hit is relevant when it is in the query's group; precision@5 counts the relevant share of
the first five places. "today" is the algorithm the endpoint had before issue 21 (the mean
vector of the conversation's chunks against single chunks, each conversation ranked by its
nearest chunk), run as SQL here against the same data in the same run.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import direct_load
import httpx
from dataset import Conversation, DatasetError, Turn, load_conversations
from metrics import precision_at
from parley_embeddings.provider import EmbeddingProvider
from parley_schema.models import RagChunk
from parley_search_api.main import create_app
from parley_search_api.settings import SearchSettings
from pgvector.sqlalchemy import Vector
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

K = 5
TODAY = "today's (mean vector vs single chunks)"
OPEN_NUMBER_OFFSET = 100_000  # display numbers of the open versions
TODAY_CANDIDATES = 100  # the chunk candidates the old endpoint ranked (search_candidates)


def load_groups(path: Path) -> dict[str, str]:
    """Conversation id → its group (``meta.group``); every conversation needs one."""
    groups = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        group = row.get("meta", {}).get("group")
        if not isinstance(group, str) or not group:
            raise DatasetError(f"{path}:{number}: a similar conversation needs meta.group")
        groups[str(row["id"])] = group
    return groups


def open_view(conversation: Conversation) -> Conversation:
    """The conversation as it is while open: the customer's turns before any agent's."""
    turns: list[Turn] = []
    for turn in conversation.turns:
        if turn.role != "customer":
            break
        turns.append(turn)
    return Conversation(id=conversation.id, turns=tuple(turns))


@dataclass(frozen=True)
class Precision:
    finished: float
    open: float
    queries: int


async def today(session: AsyncSession, global_id: str, *, model: str, limit: int) -> list[str]:
    """The endpoint before issue 21: the mean of the conversation's public chunk vectors,
    its nearest public chunks of other conversations, each conversation by its nearest."""
    public = [RagChunk.embedding_model == model, RagChunk.private.is_(False)]
    centroid = await session.scalar(
        select(func.avg(RagChunk.embedding, type_=Vector())).where(
            RagChunk.conversation_global_id == global_id, *public
        )
    )
    if centroid is None:
        return []
    rows = await session.execute(
        select(RagChunk.conversation_global_id)
        .where(RagChunk.conversation_global_id != global_id, *public)
        .order_by(RagChunk.embedding.cosine_distance(centroid), RagChunk.id)
        .limit(TODAY_CANDIDATES)
    )
    ranked: list[str] = []
    for (conversation,) in rows:
        if conversation is not None and conversation not in ranked:
            ranked.append(conversation)
    return ranked[:limit]


def ranked_precision(
    ranked: Sequence[str], dataset_id_of: dict[str, str], query: str, groups: dict[str, str]
) -> float:
    """Precision@5 of conversation ids ``ranked`` for the dataset conversation ``query``:
    relevant are the others of its group; ``query`` itself (an open query's finished
    version) is left out."""
    relevant = {c for c, group in groups.items() if group == groups[query]} - {query}
    ids = [dataset_id_of.get(g, g) for g in ranked]
    return precision_at([i for i in ids if i != query], relevant, K)


Method = Callable[[str, int], Awaitable[list[str]]]  # (conversation id, limit) → ranked ids


async def _endpoint(
    stack: AsyncExitStack, url: str, provider: EmbeddingProvider, token: str, weight: float
) -> Method:
    """The real endpoint (search-api's app, in-process) with the given similar weight."""
    settings = SearchSettings(
        database_url=url, log_level="WARNING", search_similar_dense_weight=weight
    )
    app = create_app(settings, provider=provider)
    await stack.enter_async_context(app.router.lifespan_context(app))
    client = await stack.enter_async_context(
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://quality",
            headers={"Authorization": f"Bearer {token}"},
        )
    )

    async def similar(global_id: str, limit: int) -> list[str]:
        response = await client.get(
            f"/v1/conversations/{global_id}/similar", params={"limit": limit}
        )
        response.raise_for_status()
        return [hit["conversation"]["id"] for hit in response.json()["hits"]]

    return similar


async def evaluate(
    url: str, provider: EmbeddingProvider, path: Path, *, dense_weights: Sequence[float]
) -> dict[str, Precision]:
    """Loads ``path`` into the (empty) database at ``url``; precision@5 of today's method
    and of the endpoint at each similar dense weight."""
    conversations = load_conversations(path)
    groups = load_groups(path)
    model = provider.model_name
    engine = create_async_engine(url)
    numbered = list(enumerate(conversations, start=1))
    vectors = await direct_load.embed_turns(conversations, provider)
    try:
        async with AsyncSession(engine) as session:
            dataset_id_of = await direct_load.add(session, numbered, vectors, model=model)
            token = await direct_load.api_token(session)
            await session.commit()
            # The statistics the keyword side reads (similar/terms.py), as autovacuum keeps
            # them; open versions come and go after it, as new conversations do.
            await session.execute(text("ANALYZE rag_chunks"))
            await session.commit()
        gid_of = {dataset: gid for gid, dataset in dataset_id_of.items()}

        async def old(global_id: str, limit: int) -> list[str]:
            async with AsyncSession(engine) as session:
                return await today(session, global_id, model=model, limit=limit)

        async with AsyncExitStack() as stack:
            methods: dict[str, Method] = {TODAY: old}
            for weight in dense_weights:
                methods[f"similar, dense weight {weight:.2f}"] = await _endpoint(
                    stack, url, provider, token, weight
                )
            scores: dict[str, tuple[list[float], list[float]]] = {m: ([], []) for m in methods}
            for number, conversation in numbered:
                for label, method in methods.items():
                    ranked = await method(gid_of[conversation.id], K)
                    scores[label][0].append(
                        ranked_precision(ranked, dataset_id_of, conversation.id, groups)
                    )
                waiting = [(OPEN_NUMBER_OFFSET + number, open_view(conversation))]
                async with AsyncSession(engine) as session:
                    (open_gid,) = await direct_load.add(
                        session, waiting, vectors, model=model, status="open"
                    )
                    await session.commit()
                try:
                    for label, method in methods.items():
                        ranked = await method(open_gid, K + 1)  # its finished self is dropped
                        scores[label][1].append(
                            ranked_precision(ranked, dataset_id_of, conversation.id, groups)
                        )
                finally:
                    async with AsyncSession(engine) as session:
                        await direct_load.remove(session, [open_gid])
                        await session.commit()
    finally:
        await engine.dispose()
    return {
        label: Precision(
            finished=sum(finished) / len(finished),
            open=sum(waiting) / len(waiting),
            queries=len(finished),
        )
        for label, (finished, waiting) in scores.items()
    }


def print_table(results: dict[str, Precision], *, groups: int) -> None:
    print(f"similar conversations: precision@{K}, {groups} groups")
    print(f"{'method':<42} | finished | open (customer turns only)")
    print("-" * 74)
    for label, result in results.items():
        print(f"{label:<42} |  {result.finished:5.3f}   | {result.open:5.3f}")
