"""``/v1/feedback``: rate an answer draft or a search hit, read and withdraw the rating."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from parley_search_api import responses
from parley_search_api.deps import ScopeDep, SessionDep, WriteScopeDep
from parley_search_api.feedback.schemas import FeedbackSummary, FeedbackTargetParams, FeedbackWrite
from parley_search_api.feedback.service import feedback_service

router = APIRouter(prefix="/v1/feedback", tags=["feedback"])

TargetParams = Annotated[FeedbackTargetParams, Query()]


@router.post("", responses=responses.FEEDBACK_WRITE)
async def rate(body: FeedbackWrite, scope: WriteScopeDep, session: SessionDep) -> FeedbackSummary:
    return await feedback_service.rate(session, scope, body)


@router.get("", responses=responses.FEEDBACK)
async def feedback_summary(
    params: TargetParams, scope: ScopeDep, session: SessionDep
) -> FeedbackSummary:
    return await feedback_service.summary(session, scope, params.target)


@router.delete("", responses=responses.FEEDBACK)
async def withdraw_feedback(
    params: TargetParams, scope: WriteScopeDep, session: SessionDep
) -> FeedbackSummary:
    return await feedback_service.withdraw(session, scope, params.target)
