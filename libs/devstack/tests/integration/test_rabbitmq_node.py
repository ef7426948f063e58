from __future__ import annotations

from pathlib import Path

import aio_pika
from parley_devstack.rabbitmq_node import RabbitMQNode


async def _publish(url: str, queue_name: str, body: bytes) -> None:
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        await channel.declare_queue(queue_name, durable=True, arguments={"x-queue-type": "quorum"})
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


async def test_a_persistent_message_survives_a_restart_of_the_private_node(
    tmp_path: Path, amqp_url: str
) -> None:
    node = RabbitMQNode(tmp_path)
    node.start()
    try:
        await _publish(node.url, "survivor", b"still here")
        node.restart()
        assert await _take(node.url, "survivor") == b"still here"
        node.kill()
        node.start()
        assert await _take(node.url, "survivor") is None
    finally:
        node.stop()
    shared = await aio_pika.connect(amqp_url)  # the machine's broker never went down
    await shared.close()
