"""The llm generator streams: its first piece reaches the caller while the model is still
writing (the fake OpenAI-compatible server holds the rest back until told)."""

from __future__ import annotations

import asyncio
import threading

import httpx
from parley_embeddings.testing.fake_openai_server import FakeOpenAIServer, FakeServerState
from parley_search_api.answers.evidence import Evidence, Retrieved
from parley_search_api.answers.llm import LlmGenerator
from parley_search_api.search.schemas import HitKind
from parley_search_api.settings import SearchSettings
from parley_search_api_testkit import citing_model

RETRIEVED = Retrieved(
    replies=(Evidence(HitKind.MESSAGE, "cwmsg:1:7", "Your refund is approved.", None, 0.8),),
    knowledge=(Evidence(HitKind.ARTICLE, "cwart:1:2", "Refunds take five days.", None, 0.7),),
)


async def test_the_first_piece_arrives_before_the_model_has_finished() -> None:
    gate = threading.Event()
    with FakeOpenAIServer(FakeServerState(chat=citing_model, stream_gate=gate)) as fake:
        settings = SearchSettings(llm_base_url=fake.base_url, llm_timeout_s=10)
        async with httpx.AsyncClient() as http:
            pieces = LlmGenerator(settings, http).stream("when is my refund", RETRIEVED)
            first = await asyncio.wait_for(anext(pieces), timeout=5)
            assert first == "Source"
            gate.set()
            rest = [piece async for piece in pieces]
    messages = fake.state.chat_requests[0]["messages"]
    assert first + "".join(rest) == citing_model(messages)
