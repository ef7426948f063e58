"""The real RabbitMQ the tests talk to, one throwaway virtual host per test worker.

A vhost is RabbitMQ's own namespace: every worker (and every suite running at the same time on
this machine) declares the real topology names (``parley.events``, ``parley.embedder``)
without seeing the others' messages. Vhosts are made with ``rabbitmqctl`` on this machine.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from urllib.parse import quote, urlsplit, urlunsplit

import aio_pika
import pytest

from parley_testing.postgres import run_async

RABBITMQCTL_TIMEOUT_S = 30


def require_broker(url: str) -> None:
    """Fail (not skip) with the fix when RabbitMQ is not reachable: tests need it."""

    async def probe() -> None:
        connection = await aio_pika.connect(url, timeout=5)
        await connection.close()

    try:
        run_async(probe)
    except (OSError, TimeoutError, aio_pika.exceptions.AMQPError) as error:
        pytest.fail(
            f"RabbitMQ is not reachable at {url.split('@')[-1]} ({type(error).__name__}); "
            "start it with `rabbitmq-server -detached` or set PARLEY_AMQP_URL",
            pytrace=False,
        )


def _rabbitmqctl(*args: str) -> None:
    executable = shutil.which("rabbitmqctl")
    if executable is None:
        pytest.fail(
            "rabbitmqctl is not installed; the tests make a throwaway RabbitMQ vhost with it "
            "(apt-get install rabbitmq-server)",
            pytrace=False,
        )
    result = subprocess.run(  # noqa: S603 - fixed executable, arguments we build
        [executable, "-q", *args],
        capture_output=True,
        text=True,
        timeout=RABBITMQCTL_TIMEOUT_S,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"rabbitmqctl {args[0]} failed: {result.stderr.strip()}", pytrace=False)


def create_vhost(base_url: str) -> tuple[str, str]:
    """Make a new vhost the base URL's user may use; return (vhost, URL pointing at it)."""
    vhost = f"parley-test-{uuid.uuid4().hex[:12]}"
    user = urlsplit(base_url).username or "guest"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*")
    parts = urlsplit(base_url)
    return vhost, urlunsplit(parts._replace(path="/" + quote(vhost, safe="")))


def delete_vhost(vhost: str) -> None:
    _rabbitmqctl("delete_vhost", vhost)
