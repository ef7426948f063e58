"""Publishes ``event_outbox`` rows to RabbitMQ, inside the ingest process.

- Claims the oldest unpublished rows with ``FOR UPDATE SKIP LOCKED`` (replicas share the work
  without publishing a row twice at once), publishes them as persistent messages with
  publisher confirms and ``mandatory``, and marks them published in the same transaction.
  A row is marked only after the broker confirmed it; a crash in between re-publishes it
  (at-least-once; consumers are idempotent and ``message_id`` is the event id).
- Wakes on ``NOTIFY parley_outbox`` (sent by the transaction that wrote the rows, delivered
  at its commit, from any process including ``parley backfill``) and polls as a fallback.
- Broker or database unavailable: the relay reconnects after Parley's one backoff policy
  (:class:`parley_schema.retrying.Backoff`, from ``INITIAL_BACKOFF_S`` up to
  ``outbox_max_backoff_s``); webhooks keep being accepted, and the backlog drains when the
  broker returns. No error ends the relay's loops: one the client libraries are not known to
  raise on an outage is logged with its traceback and retried the same way (a relay task that
  died would leave the outbox undrained, with webhooks still answering 200).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

import aio_pika
import asyncpg
import structlog
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractExchange
from parley_broker import declare_topology, has_declared_route
from parley_schema.events import CORRELATION_ID_HEADER, EVENTS_EXCHANGE
from parley_schema.retrying import Backoff
from sqlalchemy import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from parley_ingest import metrics
from parley_ingest.outbox.repository import OUTBOX_CHANNEL, PendingEvent, outbox_repository
from parley_ingest.settings import IngestSettings

log = structlog.get_logger(__name__)

PUBLISH_TIMEOUT_S = 10.0
INITIAL_BACKOFF_S = 0.2
STOP_TIMEOUT_S = 5.0
WAKE_COALESCE_S = 0.005
TRANSIENT_ERRORS = (
    OSError,
    TimeoutError,
    aio_pika.exceptions.AMQPException,
    # A RuntimeError, not an AMQPException: raised by a channel whose connection the broker
    # closed, e.g. while the topology is being declared during a broker shutdown.
    aio_pika.exceptions.ChannelInvalidStateError,
    asyncpg.PostgresError,
    DBAPIError,
    InterfaceError,
    OperationalError,
)


class BrokerLost(Exception):
    """The connection or channel failed mid-batch; reconnect before the next one."""


class _Closable(Protocol):
    def close(self) -> Awaitable[Any]: ...


ConnectionT = TypeVar("ConnectionT", bound=_Closable)


def amqp_message(event: PendingEvent) -> aio_pika.Message:
    correlation_id = event.payload.get("correlation_id")
    return aio_pika.Message(
        body=_json_bytes(event),
        content_type="application/json",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        message_id=str(event.event_id),
        correlation_id=correlation_id,
        type=event.routing_key,
        headers={CORRELATION_ID_HEADER: correlation_id} if correlation_id else {},
    )


def _json_bytes(event: PendingEvent) -> bytes:
    return json.dumps(event.payload, separators=(",", ":"), ensure_ascii=False).encode()


async def keep_connected(
    connect: Callable[[], Awaitable[ConnectionT]],
    serve: Callable[[ConnectionT], Awaitable[None]],
    *,
    expected: tuple[type[BaseException], ...],
    backoff: Backoff,
    stopping: asyncio.Event,
    retrying_event: str,
    on_failure: Callable[[], None] = lambda: None,
) -> None:
    """Connect and serve until ``stopping`` is set; after any failure, back off and reconnect.

    ``expected`` errors (an outage) are logged as a warning; any other error as an error with
    its traceback, and retried all the same. The waits grow while connecting keeps failing and
    start from the base again once a connection was made, so a broker or database that comes
    back is used within moments.
    """
    attempt = 0
    while not stopping.is_set():
        attempt += 1
        connection: ConnectionT | None = None
        try:
            connection = await connect()
            attempt = 1
            await serve(connection)
        except expected as error:
            on_failure()
            log.warning(retrying_event, error=type(error).__name__, attempt=attempt)
        except Exception as error:
            on_failure()
            log.exception(retrying_event, error=type(error).__name__, attempt=attempt)
        finally:
            if connection is not None:
                with contextlib.suppress(Exception):
                    await connection.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), timeout=backoff.delay(attempt))


class OutboxRelay:
    def __init__(
        self, *, settings: IngestSettings, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        self._settings = settings
        self._sessionmaker = sessionmaker
        self._backoff = Backoff(base_s=INITIAL_BACKOFF_S, max_s=settings.outbox_max_backoff_s)
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Run the relay, the NOTIFY listener and the backlog gauges until the block exits."""
        tasks = [
            asyncio.create_task(self._relay_forever(), name="outbox-relay"),
            asyncio.create_task(self._listen_forever(), name="outbox-listen"),
            asyncio.create_task(self._watch_backlog(), name="outbox-backlog"),
        ]
        try:
            yield
        finally:
            # Client libraries may turn a cancellation into a connection error, so the loops
            # also watch a stop flag; the wait is bounded whatever they do.
            self._stopping.set()
            for task in tasks:
                task.cancel()
            await asyncio.wait(tasks, timeout=STOP_TIMEOUT_S)

    async def _pause(self, seconds: float) -> None:
        """Sleep, but return at once when the relay stops."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)

    async def _relay_forever(self) -> None:
        await keep_connected(
            self._connect_broker,
            self._publish_forever,
            expected=(BrokerLost, *TRANSIENT_ERRORS),
            backoff=self._backoff,
            stopping=self._stopping,
            retrying_event="outbox_relay_retrying",
            on_failure=metrics.OUTBOX_PUBLISH_FAILURES.labels("unavailable").inc,
        )

    async def _connect_broker(self) -> AbstractConnection:
        return await aio_pika.connect(str(self._settings.amqp_url), timeout=PUBLISH_TIMEOUT_S)

    async def _publish_forever(self, connection: AbstractConnection) -> None:
        # Bounded: a broker that accepted the connection but stalls (booting, shutting down)
        # would otherwise hold the relay until the heartbeat notices, a minute or more.
        async with asyncio.timeout(PUBLISH_TIMEOUT_S):
            await declare_topology(connection)
            channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        log.info("outbox_relay_connected")
        await self._drain_forever(channel)

    async def _drain_forever(self, channel: AbstractChannel) -> None:
        exchange = await channel.get_exchange(EVENTS_EXCHANGE, ensure=False)
        while not self._stopping.is_set():
            self._wake.clear()
            published = await self.publish_batch(exchange)
            if published < self._settings.outbox_batch_size:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self._wake.wait(), timeout=self._settings.outbox_poll_interval_s
                    )
                    # Let the commits of a burst gather into one batch.
                    await asyncio.sleep(WAKE_COALESCE_S)

    async def publish_batch(self, exchange: AbstractExchange) -> int:
        """Publish one batch; return how many rows were claimed."""
        lost: BaseException | None = None
        async with self._sessionmaker() as session, session.begin():
            pending = await outbox_repository.claim(session, self._settings.outbox_batch_size)
            if not pending:
                return 0
            results = await asyncio.gather(
                *(self._publish(exchange, event) for event in pending), return_exceptions=True
            )
            confirmed: list[int] = []
            unrouted: list[int] = []
            failed: list[tuple[int, str]] = []
            for event, result in zip(pending, results, strict=True):
                if result is None:
                    confirmed.append(event.id)
                    metrics.OUTBOX_PUBLISHED.labels(event.routing_key).inc()
                elif isinstance(result, aio_pika.exceptions.PublishError):
                    if has_declared_route(event.routing_key):
                        failed.append((event.id, "unroutable"))
                        metrics.OUTBOX_PUBLISH_FAILURES.labels("unroutable").inc()
                    else:
                        unrouted.append(event.id)
                elif isinstance(result, aio_pika.exceptions.DeliveryError):
                    failed.append((event.id, "nacked by the broker"))
                    metrics.OUTBOX_PUBLISH_FAILURES.labels("nack").inc()
                elif isinstance(result, Exception):
                    failed.append((event.id, type(result).__name__))
                    metrics.OUTBOX_PUBLISH_FAILURES.labels("connection").inc()
                    lost = result
                else:
                    raise result
            await outbox_repository.mark_published(session, confirmed)
            await outbox_repository.mark_published(
                session, unrouted, note="unroutable: no queue is bound to this event type"
            )
            for row_id, error in failed:
                await outbox_repository.mark_failed(session, [row_id], error)
            log.debug(
                "outbox_batch", confirmed=len(confirmed), unrouted=len(unrouted), failed=len(failed)
            )
        if lost is not None:
            raise BrokerLost(type(lost).__name__) from lost
        if failed:  # nacked or unroutable: back off, reconnect and declare the topology again
            raise BrokerLost(failed[0][1])
        return len(pending)

    async def _publish(self, exchange: AbstractExchange, event: PendingEvent) -> None:
        await exchange.publish(
            amqp_message(event),
            routing_key=event.routing_key,
            mandatory=True,
            timeout=PUBLISH_TIMEOUT_S,
        )

    async def _listen_forever(self) -> None:
        """Set the wake-up flag on every NOTIFY; reconnect when the connection drops."""
        await keep_connected(
            self._connect_database,
            self._listen,
            expected=TRANSIENT_ERRORS,
            backoff=self._backoff,
            stopping=self._stopping,
            retrying_event="outbox_listen_retrying",
        )

    async def _connect_database(self) -> asyncpg.Connection:
        dsn = make_url(self._settings.database_url_str).set(drivername="postgresql")
        return await asyncpg.connect(dsn.render_as_string(hide_password=False))

    async def _listen(self, connection: asyncpg.Connection) -> None:
        await connection.add_listener(OUTBOX_CHANNEL, lambda *_: self._wake.set())
        closed = asyncio.Event()
        connection.add_termination_listener(lambda _, done=closed: done.set())
        while not closed.is_set() and not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(closed.wait(), timeout=self._settings.outbox_poll_interval_s)
            await connection.execute("SELECT 1")  # a dead server shows up here

    async def _watch_backlog(self) -> None:
        while not self._stopping.is_set():
            try:
                async with self._sessionmaker() as session, session.begin():
                    backlog = await outbox_repository.backlog(session)
                metrics.OUTBOX_BACKLOG.set(backlog.count)
                oldest = backlog.oldest_created_at
                age = (datetime.now(UTC) - oldest).total_seconds() if oldest else 0.0
                metrics.OUTBOX_OLDEST_AGE.set(max(age, 0.0))
            except TRANSIENT_ERRORS as error:
                log.warning("outbox_backlog_unavailable", error=type(error).__name__)
            await self._pause(self._settings.outbox_poll_interval_s)
