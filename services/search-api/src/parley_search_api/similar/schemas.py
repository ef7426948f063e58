"""Similar conversations: search hits that also carry the reply that resolved them."""

from __future__ import annotations

from pydantic import BaseModel

from parley_search_api.conversations.schemas import ContextMessage
from parley_search_api.search.schemas import SearchHit


class SimilarHit(SearchHit):
    # The public agent reply of a resolved conversation that best answers the source
    # conversation's customer (see SimilarRepository.resolutions); None when it is not
    # resolved or has no public agent reply.
    resolution: ContextMessage | None


class SimilarConversations(BaseModel):
    hits: list[SimilarHit]  # one per conversation, resolved ones first
