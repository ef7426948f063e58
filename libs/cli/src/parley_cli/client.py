"""A small client for Parley's own HTTP APIs, as a frontend or a script would use them.

Used by ``parley demo``, the end-to-end tests and the benchmarks: log in, make a project that
may search some Chatwoot accounts (which needs an administrator, or a grant), mint an API
token, search with it.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

CSRF_HEADER = "X-CSRF-Token"
TIMEOUT_S = 30.0


class ApiError(RuntimeError):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(
            f"{response.request.method} {response.request.url.path}: "
            f"{response.status_code} {response.text[:300]}"
        )
        self.status_code = response.status_code


def _json(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        raise ApiError(response)
    return response.json() if response.content else None


@dataclass
class AuthClient:
    """A logged-in user of the auth service (cookie session plus its CSRF token)."""

    http: httpx.AsyncClient
    csrf_token: str

    @classmethod
    async def login(cls, base_url: str, username: str, password: str) -> AuthClient:
        http = httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT_S)
        try:
            body = _json(
                await http.post("/v1/auth/login", json={"username": username, "password": password})
            )
        except BaseException:
            await http.aclose()
            raise
        return cls(http=http, csrf_token=body["csrf_token"])

    async def close(self) -> None:
        await self.http.aclose()

    async def _send(self, method: str, path: str, json: Any = None) -> Any:
        headers = {CSRF_HEADER: self.csrf_token}
        return _json(await self.http.request(method, path, json=json, headers=headers))

    async def project_named(self, name: str) -> str:
        """The id of the caller's project called ``name``, created when missing."""
        for project in await self._send("GET", "/v1/auth/projects"):
            if project["name"] == name:
                return str(project["id"])
        return str((await self._send("POST", "/v1/auth/projects", {"name": name}))["id"])

    async def allow_accounts(self, project_id: str, account_ids: Sequence[int]) -> None:
        """Let the project search these Chatwoot accounts (all their inboxes)."""
        existing = {
            source["account_id"]
            for source in await self._send("GET", f"/v1/auth/projects/{project_id}/sources")
        }
        for account_id in account_ids:
            if account_id not in existing:
                await self._send(
                    "POST", f"/v1/auth/projects/{project_id}/sources", {"account_id": account_id}
                )

    async def create_token(self, project_id: str, name: str, scopes: Sequence[str] = ()) -> str:
        """A new token; ``scopes=["private"]`` lets it read private notes (owners only)."""
        created = await self._send(
            "POST",
            f"/v1/auth/projects/{project_id}/tokens",
            {"name": name, "scopes": list(scopes)},
        )
        return str(created["token"])


@dataclass
class SearchClient:
    """search-api with an API token (``Authorization: Bearer prl_…``)."""

    http: httpx.AsyncClient

    @classmethod
    def with_token(cls, base_url: str, token: str) -> SearchClient:
        return cls(
            httpx.AsyncClient(
                base_url=base_url,
                timeout=TIMEOUT_S,
                headers={"Authorization": f"Bearer {token}"},
            )
        )

    async def close(self) -> None:
        await self.http.aclose()

    async def search(self, q: str, **options: Any) -> dict[str, Any]:
        body: dict[str, Any] = _json(await self.http.post("/v1/search", json={"q": q, **options}))
        return body


async def create_user(
    env: Mapping[str, str], username: str, password: str, *, admin: bool = False
) -> None:
    """Create a user with ``parley auth create-user`` (raises with its message on failure).

    The first user of a database is an administrator anyway; ``admin`` makes any user one.
    """
    argv = [sys.executable, "-m", "parley_cli", "auth", "create-user", username]
    result = await asyncio.to_thread(
        subprocess.run,
        [*argv, "--password-stdin", *(["--admin"] if admin else [])],
        input=password,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"could not create user {username}: {result.stderr.strip()}")


async def provision_token(
    auth_url: str,
    *,
    username: str,
    password: str,
    project: str,
    account_ids: Sequence[int],
    scopes: Sequence[str] = (),
) -> str:
    """An API token of ``username``'s project ``project`` (made when missing), which may
    search ``account_ids`` (``username`` must be an administrator or hold grants for them);
    ``scopes=["private"]`` lets it read private notes too."""
    auth = await AuthClient.login(auth_url, username, password)
    try:
        project_id = await auth.project_named(project)
        await auth.allow_accounts(project_id, account_ids)
        return await auth.create_token(project_id, f"{project}-{secrets.token_hex(4)}", scopes)
    finally:
        await auth.close()


async def sync_help_center(env: Mapping[str, str], account_id: int) -> str:
    """Run ``parley kb sync --account N`` (ingest's command) and return its summary."""
    argv = [sys.executable, "-m", "parley_cli", "kb", "sync", "--account", str(account_id)]
    result = await asyncio.to_thread(
        subprocess.run,
        argv,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"the Help Center sync failed: {result.stderr.strip()[-500:]}")
    return result.stdout


async def upload_document(
    ingest_url: str,
    token: str,
    *,
    file_name: str,
    data: bytes,
    media_type: str,
    category: str,
    metadata: Mapping[str, Any],
) -> dict[str, Any]:
    """``POST /v1/kb/documents`` on ingest with an API token of a project's owner."""
    async with httpx.AsyncClient(base_url=ingest_url, timeout=TIMEOUT_S) as http:
        body: dict[str, Any] = _json(
            await http.post(
                "/v1/kb/documents",
                files={"file": (file_name, data, media_type)},
                data={"category": category, "metadata": json.dumps(dict(metadata))},
                headers={"Authorization": f"Bearer {token}"},
            )
        )
        return body
