from __future__ import annotations

from pathlib import Path

import aio_pika
from parley_devstack.rabbitmq_node import RabbitMQNode


async def _declare(url: str, queue_name: str) -> None:
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        await channel.declare_queue(queue_name, durable=True, arguments={"x-queue-type": "quorum"})


async def _publish(url: str, queue_name: str, body: bytes) -> None:
    await _declare(url, queue_name)
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        await channel.default_exchange.publish(
            aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
            routing_key=queue_name,
        )


async def _take(url: str, queue_name: str) -> bytes | None:
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(queue_name, passive=True)
        message = await queue.get(fail=False)
        if message is None:
            return None
        await message.ack()
        return message.body


async def test_a_confirmed_persistent_message_survives_a_restart_and_a_kill_of_the_private_node(
    tmp_path: Path, amqp_url: str
) -> None:
    node = RabbitMQNode(tmp_path)
    node.start()
    try:
        # Declared before a clean stop: a quorum queue declared since the node's last clean
        # start may not come back from a kill at all (seen with RabbitMQ 3.10, single node).
        await _declare(node.url, "after-kill")
        await _publish(node.url, "survivor", b"still here")
        node.restart()
        assert await _take(node.url, "survivor") == b"still here"
        # An ack is not confirmed to the client, so a kill may undo one (at-least-once): what
        # a kill must keep is what the broker confirmed.
        await _publish(node.url, "after-kill", b"confirmed")
        node.kill()
        node.start()
        assert await _take(node.url, "after-kill") == b"confirmed"
    finally:
        node.stop()
    shared = await aio_pika.connect(amqp_url)  # the machine's broker never went down
    await shared.close()
