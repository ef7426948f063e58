"""Search fusing two models (``embedding_models.search_weight``): each model's nearest chunks
through its own slot, every candidate scored by the weighted sum of its exact cosines under
both; semantic, hybrid and similar conversations; back to one model. Real Postgres, the real
MiniLM and the real multilingual model."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx
import pytest
from parley_embeddings.catalogue import USE_MULTILINGUAL
from parley_embeddings.local import LOCAL_MODEL_NAME, LocalProvider
from parley_schema.models import EmbeddingModel, RagChunk
from parley_schema.settings import ParleyBaseSettings
from parley_search_api.settings import SearchSettings
from parley_search_api_testkit import CHATWOOT_URL, Caller, World, open_client
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

CANDIDATES = 10  # per model: fewer than the chunks, so the two lists differ
USE_WEIGHT = 0.4
QUERY = "my parcel arrived broken"
TEXTS = [
    "The parcel came today and the vase inside was smashed",
    "Das Paket kam beschädigt an, die Vase ist zerbrochen",
    "El paquete llegó roto y la caja estaba aplastada",
    "Le colis est arrivé endommagé, le carton était écrasé",
    "My delivery is late, the tracking has not moved for a week",
    "Meine Lieferung ist verspätet, die Sendungsverfolgung steht still",
    "I want a refund for the damaged lamp",
    "How do I reset my password? The email never arrives",
    "Ich kann mich nicht anmelden, das Passwort wird abgelehnt",
    "Can I change the delivery address of my order?",
    "The box was crushed but the contents look fine",
    "Please cancel my subscription before the next invoice",
    "Where can I download my invoices as PDF?",
    "Die Rechnung ist falsch, bitte korrigieren",
]


@pytest.fixture(scope="module")
def use() -> LocalProvider:
    return USE_MULTILINGUAL.load(ParleyBaseSettings())


@pytest.fixture
async def client(
    database_url: str, provider: LocalProvider, db_session: AsyncSession
) -> AsyncIterator[httpx.AsyncClient]:
    settings = SearchSettings(
        database_url=database_url,
        chatwoot_base_url=CHATWOOT_URL,
        search_model_cache_s=0,
        search_candidates=CANDIDATES,
    )
    async for client in open_client(settings, provider, db_session):
        yield client


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True)) / math.sqrt(
        sum(x * x for x in a) * sum(y * y for y in b)
    )


async def hold_use(session: AsyncSession, use: LocalProvider) -> None:
    """The multilingual model in slot 2 with every chunk's vector, as a back-fill leaves it."""
    await session.execute(
        insert(EmbeddingModel).values(
            name=use.model_name, slot=2, dimension=USE_MULTILINGUAL.dimension
        )
    )
    chunks = (await session.execute(select(RagChunk.id, RagChunk.text))).all()
    vectors = await use.embed([text for _, text in chunks])
    for (chunk_id, _), vector in zip(chunks, vectors, strict=True):
        await session.execute(
            update(RagChunk)
            .where(RagChunk.id == chunk_id)
            .values(embedding_2=vector, embedding_2_model=use.model_name)
        )


async def set_weights(session: AsyncSession, weights: dict[str, float | None]) -> None:
    for name, weight in weights.items():
        await session.execute(
            update(EmbeddingModel).where(EmbeddingModel.name == name).values(search_weight=weight)
        )


async def fuse_both(session: AsyncSession, use: LocalProvider) -> None:
    """The multilingual model held and searched beside MiniLM, at USE_WEIGHT."""
    await hold_use(session, use)
    await set_weights(session, {LOCAL_MODEL_NAME: 1 - USE_WEIGHT, use.model_name: USE_WEIGHT})


class Corpus:
    """One conversation per text, and each text's cosine to a query under both models."""

    def __init__(self, world: World, use: LocalProvider) -> None:
        self.world = world
        self.use = use
        self.message_of: dict[str, str] = {}  # text → message id
        self.conversation_of: dict[str, str] = {}  # text → conversation id

    async def write(self) -> Caller:
        """The texts, and a caller who may search them."""
        caller = await self.world.caller([(1, None)])
        for text in TEXTS:
            conversation = await self.world.conversation(1)
            self.conversation_of[text] = conversation
            self.message_of[text] = await self.world.message(conversation, text)
        return caller

    async def cosines(self, query: str) -> dict[str, tuple[float, float]]:
        """text → (MiniLM cosine, multilingual cosine) to ``query``."""
        minilm = await self.world.provider.embed([query, *TEXTS])
        multilingual = await self.use.embed([query, *TEXTS])
        return {
            text: (cosine(minilm[0], minilm[i]), cosine(multilingual[0], multilingual[i]))
            for i, text in enumerate(TEXTS, start=1)
        }


def fused(pair: tuple[float, float]) -> float:
    return (1 - USE_WEIGHT) * pair[0] + USE_WEIGHT * pair[1]


def semantic_of(hits: list[dict[str, Any]]) -> dict[str, float]:
    return {hit["message"]["id"]: hit["scores"]["semantic"] for hit in hits}


async def search(
    client: httpx.AsyncClient, caller: Caller, mode: str = "semantic"
) -> list[dict[str, Any]]:
    response = await client.post(
        "/v1/search", json={"q": QUERY, "mode": mode, "limit": 50}, headers=caller.headers
    )
    assert response.status_code == 200, response.text
    hits: list[dict[str, Any]] = response.json()["hits"]
    return hits


async def test_a_fused_search_ranks_by_the_weighted_sum_of_both_models_cosines(
    world: World, client: httpx.AsyncClient, db_session: AsyncSession, use: LocalProvider
) -> None:
    corpus = Corpus(world, use)
    caller = await corpus.write()
    cosines = await corpus.cosines(QUERY)
    await fuse_both(db_session, use)

    hits = await search(client, caller)

    by_fused = sorted(TEXTS, key=lambda t: -fused(cosines[t]))[:CANDIDATES]
    by_minilm = sorted(TEXTS, key=lambda t: -cosines[t][0])[:CANDIDATES]
    by_use = sorted(TEXTS, key=lambda t: -cosines[t][1])[:CANDIDATES]
    assert [hit["message"]["id"] for hit in hits] == [corpus.message_of[t] for t in by_fused]
    assert by_fused != by_minilm  # fusing changed the ranking,
    assert set(by_minilm) != set(by_use)  # and each model's candidates differ: a hit one model
    for text in by_fused:  # missed scores by its exact cosine there, not by 0
        assert semantic_of(hits)[corpus.message_of[text]] == pytest.approx(
            fused(cosines[text]), abs=1e-4
        )

    # hybrid: the keyword side and fusion see the one fused dense list
    for message_id, score in semantic_of(await search(client, caller, "hybrid")).items():
        if score is not None:
            [text] = [t for t, m in corpus.message_of.items() if m == message_id]
            assert score == pytest.approx(fused(cosines[text]), abs=1e-4)

    # a chunk not back-filled yet (no multilingual vector) counts by the model it has
    late = await world.message(corpus.conversation_of[TEXTS[0]], "the vase arrived shattered")
    [minilm_query, minilm_late] = await world.provider.embed([QUERY, "the vase arrived shattered"])
    assert semantic_of(await search(client, caller))[late] == pytest.approx(
        cosine(minilm_query, minilm_late), abs=1e-4
    )


async def test_similar_conversations_fuse_both_models(
    world: World, client: httpx.AsyncClient, db_session: AsyncSession, use: LocalProvider
) -> None:
    corpus = Corpus(world, use)
    caller = await corpus.write()
    source = TEXTS[0]
    cosines = await corpus.cosines(source)
    await fuse_both(db_session, use)

    response = await client.get(
        f"/v1/conversations/{corpus.conversation_of[source]}/similar", headers=caller.headers
    )

    assert response.status_code == 200, response.text
    hits = response.json()["hits"]
    assert hits
    text_of = {conversation: text for text, conversation in corpus.conversation_of.items()}
    for hit in hits:  # one customer message each: the side means are those messages' vectors
        text = text_of[hit["conversation"]["id"]]
        assert hit["scores"]["semantic"] == pytest.approx(fused(cosines[text]), abs=1e-4)


async def test_search_goes_back_to_one_model(
    world: World, client: httpx.AsyncClient, db_session: AsyncSession, use: LocalProvider
) -> None:
    corpus = Corpus(world, use)
    caller = await corpus.write()
    cosines = await corpus.cosines(QUERY)
    await fuse_both(db_session, use)
    assert await search(client, caller)

    await set_weights(db_session, {LOCAL_MODEL_NAME: None, use.model_name: None})
    hits = await search(client, caller)

    by_minilm = sorted(TEXTS, key=lambda t: -cosines[t][0])[:CANDIDATES]
    assert [hit["message"]["id"] for hit in hits] == [corpus.message_of[t] for t in by_minilm]
    for text in by_minilm:
        assert semantic_of(hits)[corpus.message_of[text]] == pytest.approx(
            cosines[text][0], abs=1e-4
        )
