"""The services that search, find similar conversations and answer, built one way for
search-api's app and for the suggestions process."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from parley_embeddings.provider import EmbeddingProvider

from parley_search_api.answers.service import AnswerService
from parley_search_api.conversations.service import ConversationService
from parley_search_api.search.active_model import ActiveModel
from parley_search_api.search.service import SearchService
from parley_search_api.settings import SearchSettings
from parley_search_api.similar.service import SimilarService


@dataclass(frozen=True)
class RetrievalServices:
    conversations: ConversationService
    search: SearchService
    similar: SimilarService
    answers: AnswerService


def retrieval_services(
    settings: SearchSettings, provider: EmbeddingProvider, http: httpx.AsyncClient
) -> RetrievalServices:
    """``provider`` embeds queries for the configured model (others load when they are held,
    see ActiveModel); ``http`` carries the llm generator's requests."""
    models = ActiveModel(
        configured=provider,
        settings=settings,
        cache_size=settings.search_query_cache_size,
        ttl_s=settings.search_model_cache_s,
    )
    conversations = ConversationService(settings=settings)
    search = SearchService(settings=settings, models=models)
    return RetrievalServices(
        conversations=conversations,
        search=search,
        similar=SimilarService(settings=settings, conversations=conversations, models=models),
        answers=AnswerService(
            settings=settings,
            search=search,
            models=models,
            conversations=conversations,
            http=http,
        ),
    )
