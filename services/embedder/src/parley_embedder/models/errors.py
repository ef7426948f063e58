"""Why ``parley embeddings`` refuses a command."""

from __future__ import annotations

from parley_schema.errors import ParleyError


class ModelCommandRefused(ParleyError):
    code = "model_command_refused"
    status = 409

    def __init__(self, message: str, *, fix: str | None = None) -> None:
        super().__init__(message)
        self.fix = fix
