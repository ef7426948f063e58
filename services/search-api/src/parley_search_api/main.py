"""search-api's FastAPI app: wiring only (``uvicorn --factory parley_search_api.main:create_app``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from parley_embeddings.factory import build_provider
from parley_embeddings.provider import EmbeddingProvider
from parley_runtime.app import create_service_app
from parley_runtime.provided import provide

from parley_search_api.access.service import AccessService
from parley_search_api.answers.endpoints import router as answers_router
from parley_search_api.app.endpoints import router as app_router
from parley_search_api.app.headers import AppHeadersMiddleware
from parley_search_api.app.pages import STATIC_DIR, AppPages
from parley_search_api.contacts.endpoints import router as contacts_router
from parley_search_api.contacts.service import ContactService
from parley_search_api.conversations.endpoints import router as conversations_router
from parley_search_api.feedback.endpoints import router as feedback_router
from parley_search_api.handoffs.endpoints import router as handoffs_router
from parley_search_api.search.endpoints import router as search_router
from parley_search_api.search.errors import SearchTimeout
from parley_search_api.segments.endpoints import router as segments_router
from parley_search_api.services import retrieval_services
from parley_search_api.settings import SearchSettings, get_settings

SERVICE = "search-api"


def create_app(
    settings: SearchSettings | None = None, *, provider: EmbeddingProvider | None = None
) -> FastAPI:
    """``provider`` lets tests share one loaded model; by default the settings pick it."""
    settings = settings or get_settings()
    pages = AppPages(settings=settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Built once per process: the model is loaded here, not on the first request.
        configured = provider if provider is not None else build_provider(settings)
        async with httpx.AsyncClient() as http:  # the llm generator's connections
            services = retrieval_services(settings, configured, http)
            provide(
                app,
                pages,
                AccessService(settings=settings),
                ContactService(settings=settings),
                services.conversations,
                services.search,
                services.similar,
                services.answers,
            )
            yield

    app = create_service_app(
        service=SERVICE,
        settings=settings,
        title="Parley search API",
        lifespan=lifespan,
        timeout_error=SearchTimeout,
        audit_bodies=True,  # searches; no credentials travel in search-api's bodies
    )
    app.include_router(search_router)
    app.include_router(conversations_router)
    app.include_router(app_router)
    app.mount("/app/static", StaticFiles(directory=STATIC_DIR), name="app-static")
    app.add_middleware(AppHeadersMiddleware, headers=pages.headers)
    app.include_router(contacts_router)
    app.include_router(segments_router)
    app.include_router(feedback_router)
    app.include_router(answers_router)
    app.include_router(handoffs_router)
    return app
