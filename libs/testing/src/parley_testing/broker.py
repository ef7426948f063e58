"""The real RabbitMQ the tests talk to, one throwaway virtual host per test worker (see
``parley_devstack.rabbitmq``)."""

from __future__ import annotations

import aio_pika
import pytest
from parley_devstack.rabbitmq import RabbitmqctlError, create_vhost, delete_vhost

from parley_testing.postgres import run_async


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


def private_vhost(base_url: str) -> tuple[str, str]:
    """A throwaway vhost on the broker; fails the test run with the reason when it cannot."""
    try:
        return create_vhost(base_url)
    except RabbitmqctlError as error:
        pytest.fail(str(error), pytrace=False)


def drop_vhost(vhost: str) -> None:
    try:
        delete_vhost(vhost)
    except RabbitmqctlError as error:
        pytest.fail(str(error), pytrace=False)
