"""``include_private`` needs the private right: a project owner's session, or a token with the
``private`` scope. Without it search, a conversation and similar conversations answer 403
``private_not_permitted``; without the flag they answer as always, private notes left out."""

from __future__ import annotations

import httpx
import pytest
from parley_search_api_testkit import Caller, World


async def _without_the_right(world: World) -> tuple[Caller, Caller, str]:
    """A token without the scope, a member's session, and a conversation both may read."""
    owner = await world.caller([(1, None)])
    assert owner.project_id is not None
    plain_token = await world.member(owner.project_id, token_scopes=())
    member = await world.member(owner.project_id, role="member", token_scopes=())
    gid = await world.conversation(1)
    await world.message(gid, "the parcel is stuck in customs")
    await world.message(gid, "agent note: refund approved", private=True, sender_type="User")
    return plain_token, member, gid


def _requests(gid: str) -> list[tuple[str, str, dict[str, object]]]:
    return [
        (
            "POST",
            "/v1/search",
            {"json": {"q": "parcel customs", "filters": {"include_private": True}}},
        ),
        ("GET", "/v1/search", {"params": {"q": "parcel customs", "include_private": "true"}}),
        ("GET", f"/v1/conversations/{gid}", {"params": {"include_private": "true"}}),
        ("GET", f"/v1/conversations/{gid}/similar", {"params": {"include_private": "true"}}),
    ]


async def test_a_token_without_the_private_scope_is_refused_private_notes(
    world: World, client: httpx.AsyncClient
) -> None:
    plain_token, _, gid = await _without_the_right(world)
    for method, path, options in _requests(gid):
        response = await client.request(method, path, headers=plain_token.headers, **options)  # type: ignore[arg-type]
        assert response.status_code == 403, (path, response.text)
        assert response.json()["error"]["code"] == "private_not_permitted"


async def test_a_members_session_is_refused_and_an_owners_session_is_served(
    world: World, client: httpx.AsyncClient
) -> None:
    _, member, gid = await _without_the_right(world)
    owner = await world.caller([(1, None)])  # owns another project with the same account
    path = f"/v1/conversations/{gid}"
    params = {"include_private": "true"}
    refused = await client.get(
        path, params=params, headers={"Cookie": f"parley_session={member.cookie}"}
    )
    assert refused.status_code == 403
    served = await client.get(
        path, params=params, headers={"Cookie": f"parley_session={owner.cookie}"}
    )
    assert served.status_code == 200
    assert len(served.json()["messages"]) == 2


@pytest.mark.parametrize("flag", [None, "false"])
async def test_without_the_flag_the_same_caller_is_served_without_private_notes(
    world: World, client: httpx.AsyncClient, flag: str | None
) -> None:
    plain_token, _, gid = await _without_the_right(world)
    params = {} if flag is None else {"include_private": flag}
    response = await client.get(
        f"/v1/conversations/{gid}", params=params, headers=plain_token.headers
    )
    assert response.status_code == 200
    assert [m["content"] for m in response.json()["messages"]] == ["the parcel is stuck in customs"]
