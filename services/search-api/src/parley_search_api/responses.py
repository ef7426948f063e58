"""What each route may answer, for the OpenAPI document: every status a route can answer is
declared (with the error envelope and its codes), and a search hit links to its conversation
(clients, and schemathesis' stateful phase, follow those links)."""

from __future__ import annotations

from typing import Any

from parley_runtime.error_handlers import error_responses

Responses = dict[int | str, dict[str, Any]]

_WHY = {
    400: "The body is not text (`http_error`: e.g. invalid UTF-8).",
    401: "No valid session cookie or API token (`not_authenticated`).",
    403: "The caller has no active project (`no_active_project`), or asks for private notes without the right to them (`private_not_permitted`).",
    404: "No such conversation, segment, handoff or rated target in the caller's project "
    "(`conversation_not_found`, `segment_not_found`, `handoff_not_found`, "
    "`feedback_target_not_found`): unknown and outside the project answer alike.",
    409: "The project has a segment of that name already (`segment_name_taken`), or the "
    "handoff cannot move to that status (`handoff_transition_refused`: pending → routed → "
    "resolved, or pending → resolved).",
    422: "Invalid input, with the `field` (`validation_error`, `invalid_cursor`, "
    "`cursor_mismatch`, `nothing_to_answer`: the conversation has no customer message).",
    503: "A statement ran past `PARLEY_STATEMENT_TIMEOUT_S` and was cancelled "
    "(`search_timeout`); retry, or narrow the query.",
}


def _errors(*statuses: int) -> Responses:
    responses = error_responses(*sorted(statuses))
    for status in statuses:
        responses[status]["description"] = _WHY[status]
    return responses


def _operation(path: str, method: str) -> str:
    """An ``operationRef``: a JSON pointer into ``paths``, percent-encoded as a fragment."""
    pointer = path.replace("~", "~0").replace("/", "~1")
    return "#/paths/" + pointer.replace("{", "%7B").replace("}", "%7D") + f"/{method}"


_CONVERSATION = "/v1/conversations/{global_id}"


def _links(conversation_id: str) -> dict[str, Any]:
    """Links from a response to the conversation ``conversation_id`` (a runtime expression)
    names, and to the conversations similar to it."""
    return {
        "conversation": {
            "operationRef": _operation(_CONVERSATION, "get"),
            "parameters": {"global_id": conversation_id},
            "description": "The conversation, its messages in order.",
        },
        "similar": {
            "operationRef": _operation(f"{_CONVERSATION}/similar", "get"),
            "parameters": {"global_id": conversation_id},
            "description": "Conversations similar to it.",
        },
    }


_FIRST_HIT = _links("$response.body#/hits/0/conversation/id")
_SEARCH_ERRORS = (401, 403, 422, 503)

SEARCH_BY_BODY: Responses = {200: {"links": _FIRST_HIT}, **_errors(400, *_SEARCH_ERRORS)}
SEARCH_BY_QUERY: Responses = {200: {"links": _FIRST_HIT}, **_errors(*_SEARCH_ERRORS)}
CONVERSATION: Responses = {
    200: {"links": {"similar": _links("$request.path.global_id")["similar"]}},
    **_errors(404, *_SEARCH_ERRORS),
}
LISTING: Responses = _errors(400, *_SEARCH_ERRORS)  # contact and conversation listings
# Segments read and write small rows, but under the same statement timeout as searches.
SEGMENTS: Responses = _errors(401, 403, 503)
SEGMENT: Responses = _errors(401, 403, 404, 422, 503)
SEGMENT_WRITE: Responses = _errors(400, 401, 403, 409, 422, 503)
SEGMENT_REPLACE: Responses = _errors(400, 401, 403, 404, 409, 422, 503)
SIMILAR: Responses = {200: {"links": _FIRST_HIT}, **_errors(404, *_SEARCH_ERRORS)}
# Feedback checks that the caller may see its target, then writes or counts one small row.
FEEDBACK: Responses = _errors(401, 403, 404, 422, 503)
FEEDBACK_WRITE: Responses = _errors(400, 401, 403, 404, 422, 503)
# Answers read like searches and may open a handoff; streamed, the 200 is an event stream.
ANSWERS: Responses = {
    200: {
        "content": {
            "text/event-stream": {
                "schema": {"type": "string"},
                "example": 'event: token\ndata: {"text": "Refunds"}\n\n'
                'event: answer\ndata: {"draft": "…", "citations": [], "…": "…"}\n\n',
            }
        },
        "description": "The answer (JSON), or with `stream: true` or `Accept: "
        "text/event-stream` its server-sent events: `token` events, then one `answer`.",
    },
    **_errors(400, 404, *_SEARCH_ERRORS),
}
HANDOFFS: Responses = _errors(*_SEARCH_ERRORS)
HANDOFF_UPDATE: Responses = _errors(400, 404, 409, *_SEARCH_ERRORS)
