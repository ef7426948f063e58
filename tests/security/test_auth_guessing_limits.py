"""Guessing PINs and passwords is bounded: black-box, against the running services.

Issue 17, findings 2 and 3 (deliverables 3 and 4):
- PINs have eight digits;
- with the test client trusted as a proxy, 250 wrong PIN confirmations spread over 50
  ``X-Forwarded-For`` addresses and dozens of signup requests get at most 100 evaluated (the
  global budget of wrong PINs), every other one 429 ``confirmations_paused``, even a right
  PIN; a warning and ``parley_auth_refusals_total{limit="pin_failures"}`` say so; pending
  signups are capped too;
- from a client that is no trusted proxy, ``X-Forwarded-For`` changes nothing;
- failed logins slow down one (user, address), never the user elsewhere; IPv6 counts by /64.

The stack trusts 127.0.0.1 only, so a client bound to 127.0.0.2 is an untrusted one (with
``127.0.0.0/8`` every local client would be a trusted proxy). PINs come from the auth log
(``PARLEY_SIGNUP_DEV_PIN_LOG``). The wrong-PIN window is a day here, so that the run cannot
straddle a window boundary and get a second budget; the limit is the shipped 100.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Sequence
from typing import Any

import httpx
import pytest
from parley_cli.client import create_user
from parley_testing.stack import Stack

PASSWORD = "correct horse battery staple"
PENDING_LIMIT = 60
WRONG_PIN_LIMIT = 100  # the shipped default
LOGIN_PER_ADDRESS = 5
LOGIN_PER_USER_ADDRESS = 3


@pytest.fixture(scope="module")
def stack_settings() -> dict[str, str]:
    return {
        "PARLEY_TRUSTED_PROXIES": '["127.0.0.1/32"]',
        "PARLEY_SIGNUP_DEV_PIN_LOG": "true",
        "PARLEY_SIGNUP_PENDING_LIMIT": str(PENDING_LIMIT),
        "PARLEY_SIGNUP_PIN_FAILURE_WINDOW_S": str(24 * 3600),
        "PARLEY_LOGIN_LIMIT_PER_ADDRESS": str(LOGIN_PER_ADDRESS),
        "PARLEY_LOGIN_LIMIT_PER_USER_ADDRESS": str(LOGIN_PER_USER_ADDRESS),
        # Cheap argon2id: this module evaluates a few hundred hashes on two shared cores.
        "PARLEY_ARGON2_TIME_COST": "1",
        "PARLEY_ARGON2_MEMORY_KIB": "8192",
    }


@pytest.fixture
async def proxy(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """A trusted proxy (127.0.0.1): its X-Forwarded-For names the client."""
    async with httpx.AsyncClient(base_url=stack.url("auth"), timeout=60) as client:
        yield client


@pytest.fixture
async def outsider(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """A client at 127.0.0.2, which is no trusted proxy."""
    transport = httpx.AsyncHTTPTransport(local_address="127.0.0.2")
    async with httpx.AsyncClient(
        base_url=stack.url("auth"), transport=transport, timeout=60
    ) as client:
        yield client


def forwarded(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


def new_network() -> str:
    """The first three octets of an address range no other test uses."""
    return f"10.{secrets.randbelow(250) + 1}.{secrets.randbelow(250) + 1}"


def log_events(stack: Stack, event: str) -> list[dict[str, Any]]:
    events = []
    for line in (stack.logs / "auth.log").read_text(errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("event") == event:
            events.append(record)
    return events


def outcome(response: httpx.Response) -> tuple[int, str | None]:
    code = response.json().get("error", {}).get("code") if response.content else None
    return response.status_code, code


async def login(
    client: httpx.AsyncClient, username: str, password: str, address: str | None = None
) -> tuple[int, str | None]:
    response = await client.post(
        "/v1/auth/login",
        json={"username": username, "password": password},
        headers=forwarded(address) if address else {},
    )
    return outcome(response)


async def bounded(calls: Sequence[Awaitable[httpx.Response]], at_once: int) -> list[httpx.Response]:
    gate = asyncio.Semaphore(at_once)

    async def run(call: Awaitable[httpx.Response]) -> httpx.Response:
        async with gate:
            return await call

    return await asyncio.gather(*(run(call) for call in calls))


async def test_pins_have_eight_digits(stack: Stack, proxy: httpx.AsyncClient) -> None:
    username = f"eight-{secrets.token_hex(4)}"
    response = await proxy.post(
        "/v1/auth/signup",
        json={"username": username, "password": PASSWORD},
        headers=forwarded(f"{new_network()}.1"),
    )
    assert response.status_code == 202, response.text
    [record] = [r for r in log_events(stack, "signup_pin_dev_only") if r["username"] == username]
    assert len(record["pin"]) == 8
    assert record["pin"].isdigit()
    six = await proxy.post(
        "/v1/auth/signup/confirm",
        json={"request_id": response.json()["request_id"], "pin": record["pin"][:6]},
    )
    assert (six.status_code, six.json()["error"]["field"]) == (422, "pin")


async def test_wrong_pins_are_capped_globally_across_forwarded_addresses(
    stack: Stack, proxy: httpx.AsyncClient
) -> None:
    network = new_network()
    requests: list[tuple[str, str]] = []  # (request id, username)
    refused = None
    for i in range(PENDING_LIMIT + 1):  # ten signups per address: the per-address limit
        username = f"guess-{i}-{secrets.token_hex(3)}"
        response = await proxy.post(
            "/v1/auth/signup",
            json={"username": username, "password": PASSWORD},
            headers=forwarded(f"{network}.{200 + i // 10}"),
        )
        if response.status_code != 202:
            refused = outcome(response)
            break
        requests.append((response.json()["request_id"], username))
    assert refused == (429, "too_many_pending_signups")
    assert 50 <= len(requests) <= PENDING_LIMIT
    pins = {r["username"]: r["pin"] for r in log_events(stack, "signup_pin_dev_only")}

    def wrong_pin(username: str, attempt: int) -> str:
        return f"{(int(pins[username]) + 1 + attempt) % 10**8:08d}"

    # 250 wrong guesses, 5 from each of 50 addresses, at most 5 per signup request.
    guesses = [
        proxy.post(
            "/v1/auth/signup/confirm",
            json={
                "request_id": requests[n % len(requests)][0],
                "pin": wrong_pin(requests[n % len(requests)][1], n // len(requests)),
            },
            headers=forwarded(f"{network}.{n % 50 + 1}"),
        )
        for n in range(250)
    ]
    outcomes = Counter(outcome(response) for response in await bounded(guesses, at_once=8))

    assert outcomes[(400, "wrong_pin")] == WRONG_PIN_LIMIT  # evaluated: the budget, no more
    assert outcomes[(400, "wrong_pin")] + outcomes[(429, "confirmations_paused")] == 250, outcomes
    # A right PIN waits too, until the window passes.
    request_id, username = requests[-1]
    right = await proxy.post(
        "/v1/auth/signup/confirm",
        json={"request_id": request_id, "pin": pins[username]},
        headers=forwarded(f"{network}.99"),
    )
    assert outcome(right) == (429, "confirmations_paused")
    [spent] = log_events(stack, "failure_budget_spent")
    assert (spent["budget"], spent["level"]) == ("pin_failures", "warning")
    metrics = (await proxy.get("/metrics")).text
    [sample] = [
        line
        for line in metrics.splitlines()
        if line.startswith('parley_auth_refusals_total{limit="pin_failures"}')
    ]
    assert float(sample.split()[-1]) >= 250 - WRONG_PIN_LIMIT + 1


async def test_from_an_untrusted_client_the_header_changes_nothing(
    proxy: httpx.AsyncClient, outsider: httpx.AsyncClient
) -> None:
    network = new_network()
    attempts = LOGIN_PER_ADDRESS + 1
    through_proxy = [
        await login(proxy, f"nobody-{i}", "wrong password", f"{network}.{i + 1}")
        for i in range(attempts)
    ]
    assert through_proxy == [(401, "invalid_credentials")] * attempts  # six clients
    from_outsider = [
        await login(outsider, f"nobody-{i}", "wrong password", f"{network}.{100 + i}")
        for i in range(attempts)
    ]
    assert from_outsider == [(401, "invalid_credentials")] * LOGIN_PER_ADDRESS + [
        (429, "rate_limited")
    ]  # one client, 127.0.0.2, whatever it claims


async def test_failed_logins_from_one_address_do_not_lock_the_user_out_from_another(
    stack: Stack, proxy: httpx.AsyncClient
) -> None:
    username = f"victim-{secrets.token_hex(4)}"
    await create_user(stack.env, username, PASSWORD)
    network = new_network()
    attacker, user = f"{network}.66", f"{network}.77"
    guesses = [
        await login(proxy, username, "wrong password", attacker)
        for _ in range(LOGIN_PER_USER_ADDRESS)
    ]
    assert guesses == [(401, "invalid_credentials")] * LOGIN_PER_USER_ADDRESS
    assert await login(proxy, username, PASSWORD, attacker) == (429, "rate_limited")
    assert await login(proxy, username, PASSWORD, user) == (200, None)


async def test_an_ipv6_client_counts_by_its_64(proxy: httpx.AsyncClient) -> None:
    prefix = f"2001:db8:{secrets.randbelow(65536):x}:{secrets.randbelow(65535):x}"
    attempts = [
        await login(proxy, f"v6-{i}", "wrong password", f"{prefix}:{i + 1:x}::{i + 1:x}")
        for i in range(LOGIN_PER_ADDRESS + 1)
    ]
    assert attempts[-1] == (429, "rate_limited")
    assert attempts[:-1] == [(401, "invalid_credentials")] * LOGIN_PER_ADDRESS
    site, subnet = prefix.rsplit(":", 1)
    neighbour = f"{site}:{int(subnet, 16) + 1:x}::1"
    assert await login(proxy, "v6-next", "wrong password", neighbour) == (
        401,
        "invalid_credentials",
    )
