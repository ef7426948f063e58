"""``POST /v1/answers``: a cited draft, as JSON or streamed as server-sent events."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.sse import EventSourceResponse, format_sse_event

from parley_search_api import responses
from parley_search_api.answers.schemas import Answer, AnswerRequest
from parley_search_api.answers.service import AnswerService, Piece, Prepared
from parley_search_api.deps import AnswerServiceDep, SessionDep, WriteScopeDep

router = APIRouter(prefix="/v1", tags=["answers"])

EVENT_STREAM = "text/event-stream"


def _wants_stream(request: Request, body: AnswerRequest) -> bool:
    return body.stream or EVENT_STREAM in request.headers.get("accept", "")


async def _events(answers: AnswerService, prepared: Prepared) -> AsyncIterator[bytes]:
    async for item in answers.stream(prepared):
        if isinstance(item, Piece):
            yield format_sse_event(event="token", data_str=item.json())
        else:
            yield format_sse_event(event="answer", data_str=item.model_dump_json())


@router.post("/answers", response_model=Answer, responses=responses.ANSWERS)
async def answer(
    request: Request,
    body: AnswerRequest,
    scope: WriteScopeDep,
    session: SessionDep,
    answers: AnswerServiceDep,
) -> Answer | EventSourceResponse:
    """The draft with its citations, confidence and escalation hint; for a conversation with
    a recommended escalation, its open handoff (created once). Streamed (``stream: true`` or
    ``Accept: text/event-stream``): ``token`` events (``{"text": …}``, the draft as the model
    writes it), then one ``answer`` event with the checked answer, which replaces the tokens
    (the extractive draft when the model's was rejected)."""
    if not _wants_stream(request, body):
        return await answers.answer(session, scope, body)
    # The database work is done (and committed) before the first event.
    prepared = await answers.prepare(session, scope, body)
    return EventSourceResponse(_events(answers, prepared))
