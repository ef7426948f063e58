"""Knowledge hits (Help Center articles, uploaded documents) beside message hits: sources,
hit shape, knowledge filters, min_score, grouping, visibility; real Postgres and model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from parley_schema.models import KbDocument
from parley_search_api_testkit import Caller, World
from sqlalchemy import func, update

REFUNDS = """# Refunds

## How long a refund takes

Refunds reach the card that paid within five working days of our approval.

## Exceptions

Gift cards cannot be refunded."""
SHIPPING = """# Shipping

Parcels leave the warehouse the next working day and arrive within a week."""
PASSWORDS = """# Passwords

Reset your password from the sign-in page with the Forgot password link."""
MODES = ["hybrid", "semantic", "keyword"]


@dataclass(frozen=True)
class Corpus:
    caller: Caller
    refunds: str
    shipping: str
    passwords: str
    other_account: str
    other_project: str
    conversation: str


@pytest.fixture
async def corpus(world: World) -> Corpus:
    caller = await world.caller([(1, None)])
    stranger = await world.caller([(1, None)])
    assert caller.project_id is not None
    assert stranger.project_id is not None
    refunds = await world.document(
        REFUNDS,
        title="Refund policy",
        account_id=1,
        category="policy",
        locale="en",
        metadata={"audience": "customers", "region": ["eu", "us"]},
        url="https://help.example.com/hc/main/articles/refunds",
    )
    shipping = await world.document(
        SHIPPING, title="Shipping", account_id=1, category="faq", locale="de"
    )
    passwords = await world.document(
        PASSWORDS,
        title="Passwords",
        project_id=caller.project_id,
        category="procedure",
        metadata={"audience": "agents"},
    )
    other_account = await world.document(REFUNDS, title="Refund policy", account_id=2)
    other_project = await world.document(
        REFUNDS, title="Refund policy", project_id=stranger.project_id
    )
    conversation = await world.conversation(1, inbox_id=3)
    await world.message(conversation, "Hi, I returned the shoes, when do I get my money back?")
    await world.message(conversation, "I will check with the warehouse.", sender_type="User")
    return Corpus(caller, refunds, shipping, passwords, other_account, other_project, conversation)


async def search(
    client: httpx.AsyncClient, caller: Caller, q: str, **body: Any
) -> list[dict[str, Any]]:
    response = await client.post(
        "/v1/search", json={"q": q, "limit": 50, **body}, headers=caller.headers
    )
    assert response.status_code == 200, response.text
    hits: list[dict[str, Any]] = response.json()["hits"]
    return hits


def documents(hits: list[dict[str, Any]]) -> set[str]:
    return {hit["document"]["id"] for hit in hits if hit["kind"] != "message"}


async def test_an_article_that_answers_the_question_is_the_top_hit(
    corpus: Corpus, client: httpx.AsyncClient
) -> None:
    hits = await search(client, corpus.caller, "how many days until my refund arrives")
    top = hits[0]
    assert top["kind"] == "article"
    assert top["document"] == {
        "id": corpus.refunds,
        "title": "Refund policy",
        "url": "https://help.example.com/hc/main/articles/refunds",
        "category": "policy",
        "locale": "en",
        "version": 1,
    }
    assert top["heading_path"] == ["Refunds", "How long a refund takes"]
    assert top["message"] is None
    assert top["conversation"] is None
    assert top["context"] is None
    assert "five working days" in top["text"]
    assert {hit["kind"] for hit in hits} >= {"article", "document", "message"}
    message = next(hit for hit in hits if hit["kind"] == "message")
    assert message["conversation"]["id"] == corpus.conversation
    assert message["document"] is None


@pytest.mark.parametrize("mode", MODES)
async def test_sources_choose_the_kinds_of_hits(
    mode: str, corpus: Corpus, client: httpx.AsyncClient
) -> None:
    q = "refund or password or parcels or money"
    kinds = {
        "conversations": {"message"},
        "articles": {"article"},
        "documents": {"document"},
    }
    for source, expected in kinds.items():
        hits = await search(client, corpus.caller, q, mode=mode, sources=[source])
        assert {hit["kind"] for hit in hits} == expected, source
    everything = await search(client, corpus.caller, q, mode=mode)
    assert {hit["kind"] for hit in everything} == {"message", "article", "document"}


@pytest.mark.parametrize("mode", MODES)
async def test_knowledge_filters_narrow_to_matching_documents(
    mode: str, corpus: Corpus, client: httpx.AsyncClient
) -> None:
    q = "refund or password or parcels"

    async def found(**filters: Any) -> set[str]:
        hits = await search(client, corpus.caller, q, mode=mode, filters=filters)
        assert all(hit["kind"] != "message" for hit in hits)  # messages have no such facts
        return documents(hits)

    assert await found(categories=["policy", "procedure"]) == {corpus.refunds, corpus.passwords}
    assert await found(locales=["de"]) == {corpus.shipping}
    assert await found(metadata={"audience": "customers"}) == {corpus.refunds}
    assert await found(metadata={"region": ["us"]}) == {corpus.refunds}
    assert await found(metadata={"audience": "nobody"}) == set()
    assert await found(categories=["faq"], locales=["en"]) == set()


async def test_a_message_filter_leaves_knowledge_out(
    corpus: Corpus, client: httpx.AsyncClient
) -> None:
    hits = await search(client, corpus.caller, "refund", filters={"inbox_ids": [3]})
    assert hits
    assert {hit["kind"] for hit in hits} == {"message"}


async def test_min_score_drops_weak_semantic_matches(
    corpus: Corpus, client: httpx.AsyncClient
) -> None:
    q = "how many days until my refund arrives"
    weak = await search(client, corpus.caller, q, mode="semantic")
    scores = [hit["scores"]["semantic"] for hit in weak]
    threshold = (max(scores) + min(scores)) / 2
    strong = await search(client, corpus.caller, q, mode="semantic", min_score=threshold)
    assert 0 < len(strong) < len(weak)
    assert all(hit["scores"]["semantic"] >= threshold for hit in strong)
    assert await search(client, corpus.caller, q, mode="semantic", min_score=1.0) == []
    # keyword matches contain the words: the threshold does not drop them
    keyword = await search(client, corpus.caller, "refund", mode="keyword", min_score=1.0)
    assert documents(keyword) == {corpus.refunds}


async def test_grouped_search_shows_one_hit_per_document(
    corpus: Corpus, client: httpx.AsyncClient
) -> None:
    q = "refund gift card days"
    flat = await search(client, corpus.caller, q, sources=["articles"], mode="semantic")
    assert len([h for h in flat if h["document"]["id"] == corpus.refunds]) == 2
    grouped = await search(
        client,
        corpus.caller,
        q,
        sources=["articles"],
        mode="semantic",
        group_by="conversation",
    )
    assert sorted(h["document"]["id"] for h in grouped) == sorted({corpus.refunds, corpus.shipping})


@pytest.mark.parametrize("mode", MODES)
async def test_other_accounts_articles_and_other_projects_documents_stay_out(
    mode: str, corpus: Corpus, client: httpx.AsyncClient
) -> None:
    hits = await search(client, corpus.caller, "refund card days", mode=mode)
    found = documents(hits)
    assert corpus.refunds in found
    assert not found & {corpus.other_account, corpus.other_project}


async def test_an_inbox_limited_source_sees_its_accounts_articles(
    world: World, corpus: Corpus, client: httpx.AsyncClient
) -> None:
    limited = await world.caller([(1, 999)])
    hits = await search(client, limited, "refund card days")
    assert documents(hits) == {corpus.refunds, corpus.shipping}  # no message, no upload


async def test_a_project_without_sources_still_finds_its_uploads(
    world: World, corpus: Corpus, client: httpx.AsyncClient
) -> None:
    lonely = await world.caller([])
    assert lonely.project_id is not None
    mine = await world.document(PASSWORDS, title="Passwords", project_id=lonely.project_id)
    hits = await search(client, lonely, "forgot my password")
    assert documents(hits) == {mine}


async def test_an_archived_document_is_not_shown_before_its_chunks_are_gone(
    world: World, corpus: Corpus, client: httpx.AsyncClient
) -> None:
    await world.session.execute(
        update(KbDocument)
        .where(KbDocument.global_id == corpus.refunds)
        .values(archived_at=func.now())
    )
    hits = await search(client, corpus.caller, "how many days until my refund arrives")
    assert corpus.refunds not in documents(hits)


async def test_get_takes_sources_and_knowledge_filters_as_query_parameters(
    corpus: Corpus, client: httpx.AsyncClient
) -> None:
    response = await client.get(
        "/v1/search",
        params=[
            ("q", "refund or parcels"),
            ("source", "articles"),
            ("category", "faq"),
            ("category", "policy"),
            ("locale", "de"),
        ],
        headers=corpus.caller.headers,
    )
    assert response.status_code == 200, response.text
    assert documents(response.json()["hits"]) == {corpus.shipping}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sources": []}, "sources"),
        ({"sources": ["emails"]}, "sources"),
        ({"min_score": 1.5}, "min_score"),
        ({"filters": {"categories": ["Not A Slug"]}}, "categories"),
        ({"filters": {"locales": ["english please"]}}, "locales"),
        ({"filters": {"metadata": ["not", "an", "object"]}}, "metadata"),
        ({"filters": {"metadata": {"k": "nul\u0000"}}}, "metadata"),
        ({"filters": {"metadata": {"k": "x" * 3000}}}, "metadata"),
    ],
)
async def test_bad_knowledge_parameters_are_a_422(
    body: dict[str, Any], field: str, corpus: Corpus, client: httpx.AsyncClient
) -> None:
    response = await client.post(
        "/v1/search", json={"q": "refund", **body}, headers=corpus.caller.headers
    )
    assert response.status_code == 422, response.text
    assert field in response.text
