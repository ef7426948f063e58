"""Answers: retrieve through the search service, assess escalation, draft, check citations.

All database work (the question, retrieval, the handoff) happens in ``prepare``, before a
draft is generated, so a streamed answer holds no connection while the model writes.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from parley_search_api.access.scope import ProjectScope
from parley_search_api.answers.citations import check
from parley_search_api.answers.errors import NothingToAnswer
from parley_search_api.answers.escalation import EscalationPolicy
from parley_search_api.answers.evidence import Retrieved, Retriever
from parley_search_api.answers.generators import (
    ExtractiveGenerator,
    GenerationFailed,
    Generator,
    extractive_draft,
)
from parley_search_api.answers.llm import LlmGenerator
from parley_search_api.answers.schemas import (
    Answer,
    AnswerRequest,
    Citation,
    Escalation,
    FallbackReason,
)
from parley_search_api.conversations.repository import conversation_repository
from parley_search_api.conversations.service import ConversationService
from parley_search_api.handoffs.service import handoff_service
from parley_search_api.search.active_model import ActiveModel
from parley_search_api.search.schemas import MAX_QUERY_CHARS
from parley_search_api.search.service import SearchService
from parley_search_api.settings import GeneratorName, SearchSettings

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Prepared:
    """An answer before its draft: what was retrieved and the escalation hint."""

    question: str
    retrieved: Retrieved
    escalation: Escalation
    handoff_id: uuid.UUID | None
    generator: GeneratorName


@dataclass(frozen=True)
class Piece:
    """A piece of a streamed draft."""

    text: str

    def json(self) -> str:
        return json.dumps({"text": self.text}, ensure_ascii=False)


class AnswerService:
    def __init__(
        self,
        *,
        settings: SearchSettings,
        search: SearchService,
        models: ActiveModel,
        conversations: ConversationService,
        http: httpx.AsyncClient,
    ) -> None:
        self._settings = settings
        self._conversations = conversations
        self._retriever = Retriever(
            search=search, models=models, passages=settings.answers_passages
        )
        self._policy = EscalationPolicy(
            triggers=settings.answers_trigger_phrases,
            negative=settings.answers_negative_words,
            min_confidence=settings.answers_min_confidence,
        )
        self._extractive = ExtractiveGenerator()
        self._llm = LlmGenerator(settings, http) if settings.llm_base_url is not None else None

    async def prepare(
        self, session: AsyncSession, scope: ProjectScope, request: AnswerRequest
    ) -> Prepared:
        question = await self._question(session, scope, request)
        retrieved = await self._retriever.retrieve(
            session,
            scope,
            question,
            filters=request.filters,
            sources=request.sources,
            exclude_conversation=request.conversation_id,
        )
        escalation = self._policy.assess(question, retrieved.confidence)
        handoff_id = None
        if escalation.recommended and request.conversation_id is not None:
            handoff_id = await handoff_service.recommend(
                session, request.conversation_id, escalation
            )
        return Prepared(
            question=question,
            retrieved=retrieved,
            escalation=escalation,
            handoff_id=handoff_id,
            generator=request.generator or self._settings.answers_generator,
        )

    async def answer(
        self, session: AsyncSession, scope: ProjectScope, request: AnswerRequest
    ) -> Answer:
        prepared = await self.prepare(session, scope, request)
        generator, unavailable = self._generator(prepared)
        if unavailable is not None:
            return self._fallback(prepared, unavailable)
        try:
            draft = await generator.complete(prepared.question, prepared.retrieved)
        except GenerationFailed as failure:
            return self._fallback(prepared, failure.reason, failure.detail)
        return self._checked(prepared, generator.name, draft)

    async def stream(self, prepared: Prepared) -> AsyncIterator[Piece | Answer]:
        """The draft's pieces as the generator writes them, then the checked answer (the
        extractive one when the draft is rejected or the generator fails midway)."""
        generator, unavailable = self._generator(prepared)
        if unavailable is not None:
            yield self._fallback(prepared, unavailable)
            return
        pieces: list[str] = []
        try:
            async for text in generator.stream(prepared.question, prepared.retrieved):
                pieces.append(text)
                yield Piece(text)
        except GenerationFailed as failure:
            yield self._fallback(prepared, failure.reason, failure.detail)
            return
        yield self._checked(prepared, generator.name, "".join(pieces))

    def _generator(self, prepared: Prepared) -> tuple[Generator, FallbackReason | None]:
        if prepared.generator is GeneratorName.EXTRACTIVE:
            return self._extractive, None
        if self._llm is None:
            return self._extractive, FallbackReason.NOT_CONFIGURED
        if not prepared.retrieved.all:
            return self._extractive, FallbackReason.NO_EVIDENCE
        return self._llm, None

    def _checked(self, prepared: Prepared, name: GeneratorName, draft: str) -> Answer:
        if name is GeneratorName.EXTRACTIVE and not draft:
            return self._answer(prepared, name, "", [])  # nothing retrieved: nothing to cite
        checked = check(draft, prepared.retrieved.all)
        if checked.rejected is not None:
            return self._fallback(prepared, checked.rejected, checked.detail)
        return self._answer(prepared, name, draft.strip(), checked.citations)

    def _fallback(self, prepared: Prepared, reason: FallbackReason, detail: str = "") -> Answer:
        log.warning("answer_fallback", reason=reason.value, detail=detail)
        draft = extractive_draft(prepared.retrieved)
        citations = check(draft, prepared.retrieved.all).citations if draft else []
        answer = self._answer(prepared, GeneratorName.EXTRACTIVE, draft, citations)
        return answer.model_copy(update={"fallback_reason": reason})

    def _answer(
        self, prepared: Prepared, name: GeneratorName, draft: str, citations: list[Citation]
    ) -> Answer:
        return Answer(
            draft=draft,
            citations=citations,
            confidence=prepared.retrieved.confidence,
            escalation=prepared.escalation,
            generator=name,
            handoff_id=prepared.handoff_id,
        )

    async def _question(
        self, session: AsyncSession, scope: ProjectScope, request: AnswerRequest
    ) -> str:
        if request.question is not None:
            return request.question
        assert request.conversation_id is not None  # the request's validator
        await self._conversations.facts(session, scope, request.conversation_id)  # 404 if not
        texts = await conversation_repository.latest_customer_texts(
            session, request.conversation_id, limit=self._settings.answers_question_messages
        )
        question = " ".join(" ".join(texts).split())
        if not question:
            raise NothingToAnswer(
                f"conversation {request.conversation_id} has no customer message to answer",
                field="conversation_id",
            )
        return question[-MAX_QUERY_CHARS:]  # the latest words, when they are many
