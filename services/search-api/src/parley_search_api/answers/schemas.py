"""Answer requests and answers: a draft, its citations, a confidence and an escalation hint.

The response's field names (``draft``, ``citations[].kind/id/url/quote``, ``confidence``,
``escalation.recommended/reasons``) are relied on by outside tools (issue 22): keep them.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated

from parley_schema.ids import ConversationGlobalId
from pydantic import BaseModel, ConfigDict, Field, model_validator

from parley_search_api.search.schemas import HitKind, Query, SearchFilters, SearchSource
from parley_search_api.settings import GeneratorName


class AnswerRequest(BaseModel):
    """Either a conversation (its latest customer messages are the question) or a question;
    ``filters`` and ``sources`` narrow the retrieval as they narrow ``POST /v1/search``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"conversation_id": "cw:1:42"},
                {"question": "how long does a refund take", "generator": "llm"},
            ]
        },
    )

    conversation_id: ConversationGlobalId | None = None
    question: Query | None = None
    filters: SearchFilters = Field(default_factory=SearchFilters)
    sources: list[SearchSource] = Field(
        default_factory=lambda: list(SearchSource), min_length=1, max_length=len(SearchSource)
    )
    generator: GeneratorName | None = None  # None: the server's PARLEY_ANSWERS_GENERATOR
    # Server-sent events (as ``Accept: text/event-stream`` asks): the draft's tokens, then
    # the checked answer.
    stream: bool = False

    @model_validator(mode="after")
    def _one_subject(self) -> AnswerRequest:
        if (self.conversation_id is None) == (self.question is None):
            raise ValueError("give exactly one of conversation_id and question")
        return self


class Citation(BaseModel):
    kind: HitKind  # message: a past agent reply; article, document: knowledge
    id: str  # cwmsg:<account>:<message>, or the document's cwart:<account>:<article> / kbdoc:<uuid>
    url: str | None  # the conversation in Chatwoot, or the article's page; None when unknown
    quote: str  # the retrieved passage the draft cites


class ReasonCode(StrEnum):
    TRIGGER_PHRASE = "trigger_phrase"
    NEGATIVE_SENTIMENT = "negative_sentiment"
    LOW_CONFIDENCE = "low_confidence"


class EscalationReason(BaseModel):
    code: ReasonCode
    # trigger_phrase, negative_sentiment: the configured phrase that matched;
    # low_confidence: "<confidence> < <threshold>".
    detail: str


class Escalation(BaseModel):
    recommended: bool
    reasons: list[EscalationReason]


class FallbackReason(StrEnum):
    """Why an ``llm`` draft was replaced by the extractive one."""

    NOT_CONFIGURED = "llm_not_configured"  # no PARLEY_LLM_BASE_URL
    UNAVAILABLE = "llm_unavailable"  # unreachable, timed out, an error status, unreadable
    INVENTED_CITATION = "invented_citation"  # cites an id that was not retrieved
    NO_CITATION = "no_citation"  # cites nothing at all
    NO_EVIDENCE = "no_evidence"  # nothing was retrieved: nothing to send the model


class Answer(BaseModel):
    # Sentences with their sources as ``[id]`` markers (the ids of ``citations``); empty
    # when nothing relevant was retrieved.
    draft: str
    citations: list[Citation]  # in the order the draft first cites them
    confidence: Annotated[float, Field(ge=0.0, le=1.0)]  # the best retrieved passage's similarity
    escalation: Escalation
    generator: GeneratorName  # who wrote ``draft``: extractive after a fallback
    fallback_reason: FallbackReason | None = None
    handoff_id: uuid.UUID | None = None  # the conversation's open handoff, when recommended
