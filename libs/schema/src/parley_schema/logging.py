"""structlog configuration shared by every Parley process.

``configure`` is called once at start. Log lines are JSON in containers and pipes and
human-readable on a TTY; stdlib loggers (uvicorn, alembic, faststream) go through the same
processors so every line carries the bound ``correlation_id`` and ``service``.
"""

from __future__ import annotations

import logging
import sys

import structlog
from structlog.typing import Processor

from parley_schema.settings import LogFormat, ParleyBaseSettings


class _ParleyHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The one handler ``configure`` installs (and replaces when called again)."""


def _renderer(log_format: LogFormat) -> Processor:
    use_console = log_format is LogFormat.CONSOLE or (
        log_format is LogFormat.AUTO and sys.stderr.isatty()
    )
    if use_console:
        return structlog.dev.ConsoleRenderer()
    return structlog.processors.JSONRenderer()


def configure(settings: ParleyBaseSettings, *, service: str) -> None:
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]
    structlog.configure(
        processors=[
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            _renderer(settings.log_format),
        ],
    )
    handler = _ParleyHandler(sys.stderr)
    handler.setFormatter(formatter)
    # Libraries set levels on their own loggers (uvicorn: INFO); records they pass up are
    # filtered here, so PARLEY_LOG_LEVEL holds for every line.
    handler.setLevel(settings.log_level)
    root = logging.getLogger()
    # Replace our own handler from an earlier call; keep others (e.g. pytest's log capture).
    root.handlers[:] = [h for h in root.handlers if not isinstance(h, _ParleyHandler)]
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    for name in ("uvicorn", "uvicorn.error", "faststream", "alembic"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    # No request lines: paths and query strings carry secrets (webhook URL tokens) and
    # search text. uvicorn writes them whenever ``uvicorn.access`` reaches a handler, so
    # ``--no-access-log`` alone does not hold once it propagates to ours.
    access = logging.getLogger("uvicorn.access")
    access.handlers.clear()
    access.propagate = False
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(service=service)
