"""``POST /v1/contacts/search``: contacts by attributes, labels and text, in the project."""

from __future__ import annotations

from fastapi import APIRouter

from parley_search_api import responses
from parley_search_api.contacts.schemas import ContactSearchRequest, ContactSearchResponse
from parley_search_api.deps import ContactServiceDep, ScopeDep, SessionDep

router = APIRouter(prefix="/v1/contacts", tags=["contacts"])


@router.post("/search", responses=responses.LISTING)
async def search_contacts(
    body: ContactSearchRequest, scope: ScopeDep, session: SessionDep, contacts: ContactServiceDep
) -> ContactSearchResponse:
    return await contacts.search(session, scope, body)
