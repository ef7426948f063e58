"""``parley demo`` as a newcomer runs it: the stack, the demo history, and the panel beside a
page that mimics Chatwoot, on the URLs it prints."""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from parley_testing.local_model import data_dir_sharing_model_files
from parley_testing.postgres import free_port

DEMO_TIMEOUT_S = 280


def test_demo_prints_the_panel_and_serves_it_beside_a_simulated_chatwoot_with_a_help_center(
    tmp_path: Path, module_amqp_url: str
) -> None:
    db_port, chatwoot_port = free_port(), free_port()
    ports = {name: free_port() for name in ("INGEST", "SEARCH_API", "AUTH")}
    env = {
        **os.environ,
        "PARLEY_DATA_DIR": str(data_dir_sharing_model_files(tmp_path / "data")),
        "PARLEY_EMBEDDED_DB_PORT": str(db_port),
        "PARLEY_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:{db_port}/parley",
        "PARLEY_AMQP_URL": module_amqp_url,
        "HF_HUB_OFFLINE": "1",
        "COLUMNS": "250",
        **{f"PARLEY_{name}_PORT": str(port) for name, port in ports.items()},
    }
    argv = [sys.executable, "-m", "parley_cli", "demo", "--conversations", "12"]
    process = subprocess.Popen(
        [*argv, "--chatwoot-port", str(chatwoot_port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    output = process.stdout

    def read() -> None:
        for line in output:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    seen: list[str] = []
    try:
        deadline = time.monotonic() + DEMO_TIMEOUT_S
        while not any("keeps running" in line for line in seen):
            assert process.poll() is None, "".join(seen)
            assert time.monotonic() < deadline, "".join(seen)
            with contextlib.suppress(queue.Empty):
                seen.append(lines.get(timeout=1))
        text = "".join(seen)
        panel = f"http://127.0.0.1:{ports['SEARCH_API']}/app/chatwoot"
        assert panel in text
        chatwoot = f"http://localhost:{chatwoot_port}/"
        assert chatwoot in text
        assert re.search(r"log in as demo / \S+", text), text
        assert "Help Center synced (2 portals, account 1) and 2 documents uploaded" in text
        assert "knowledge documents processed" in text

        page = httpx.get(f"http://127.0.0.1:{chatwoot_port}/", follow_redirects=True)
        assert page.status_code == 200
        assert f'src="{panel}"' in page.text
        assert "appContext" in page.text
        portals = httpx.get(f"http://127.0.0.1:{chatwoot_port}/api/v1/accounts/1/portals")
        assert portals.status_code == 401  # the Help Center's API needs the demo's token
        framed = httpx.get(panel)
        assert framed.status_code == 200
        assert (
            f"frame-ancestors http://localhost:{chatwoot_port}"
            in framed.headers["content-security-policy"]
        )
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
        subprocess.run(
            [sys.executable, "-m", "parley_cli", "db", "stop"], env=env, capture_output=True
        )
