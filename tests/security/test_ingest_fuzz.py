"""Two minutes of schemathesis (every phase: examples, coverage, fuzzing, stateful) against
the running ingest find no server error and no status its OpenAPI document does not declare.

Half the generated deliveries to the URL-token route carry the configured token and half of
them a timestamp worth trying (now, at the window's edges, far in the future, out of range),
and most bodies name a Chatwoot event, so generated payloads get past authentication into
parsing, validation and the database. Signed deliveries cannot be forged: the signed route
answers them 401, which must be documented too.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from parley_testing.stack import Stack

FUZZ_SECONDS = 120
URL_TOKEN = secrets.token_urlsafe(32)
WINDOW_S = 300
EVENTS = [
    "message_created",
    "message_updated",
    "conversation_created",
    "conversation_updated",
    "conversation_status_changed",
    "contact_created",
    "contact_updated",
    "conversation_typing_on",
    "webwidget_triggered",
]


@pytest.fixture(scope="module")
def stack_settings() -> dict[str, str]:
    return {
        "PARLEY_CHATWOOT_WEBHOOK_URL_TOKENS": json.dumps({"1": URL_TOKEN}),
        "PARLEY_WEBHOOK_TIMESTAMP_WINDOW_S": str(WINDOW_S),
    }


def timestamps_worth_trying() -> list[str]:
    now = int(time.time())
    offsets = (0, -60, 60, WINDOW_S - 5, -(WINDOW_S - 5), WINDOW_S + 5, -(WINDOW_S + 5))
    unusual = ["999999999999", "9" * 40, "4102444800", "0", "-1", "1e9", "", " 1", "1.5"]
    return [str(now + offset) for offset in offsets] + unusual


def schemathesis_config(path: Path) -> Path:
    """A schemathesis.toml binding the token, timestamps and event names to the parameters."""

    def values(items: list[str]) -> str:
        return json.dumps(items)

    path.write_text(
        f"""
[dictionaries.tokens]
values = {values([URL_TOKEN])}

[dictionaries.timestamps]
values = {values(timestamps_worth_trying())}

[dictionaries.events]
values = {values(EVENTS)}

[parameters]
"path.token" = {{ dictionary = "tokens", probability = 0.5 }}
"header.X-Chatwoot-Timestamp" = {{ dictionary = "timestamps", probability = 0.5 }}
"body.event" = {{ dictionary = "events", probability = 0.8 }}
"""
    )
    return path


def test_two_minutes_of_schemathesis_find_no_server_error_or_undocumented_status(
    stack: Stack, tmp_path: Path
) -> None:
    config = schemathesis_config(tmp_path / "schemathesis.toml")
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(config),
        "--no-color",
        "run",
        f"{stack.url('ingest')}/openapi.json",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--checks",
        "not_a_server_error,status_code_conformance",
        "--max-time",
        str(FUZZ_SECONDS),
        # One worker: Python 3.11's parser is not thread-safe, and hypothesis parses source
        # to describe strategies (SystemError "AST constructor recursion depth mismatch").
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--request-timeout",
        "10",
    ]
    finished = subprocess.run(
        command,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=FUZZ_SECONDS + 90,
        check=False,
    )
    report = finished.stdout[-8000:] + finished.stderr[-2000:]
    assert finished.returncode == 0, report
    for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):  # each ran, none errored
        assert f"✅ {phase}" in finished.stdout, report
    logs = "\n".join(path.read_text(errors="replace") for path in stack.logs.glob("*.log"))
    assert URL_TOKEN not in logs
