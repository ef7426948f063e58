"""The baseline: a FastAPI endpoint that reads the body and answers, doing nothing else.

Served exactly like the ingest service (``uvicorn --factory``, one process), so the ratio of
the two throughputs is what ingest's own work costs.
"""

from __future__ import annotations

from fastapi import FastAPI, Request


def create_app() -> FastAPI:
    app = FastAPI()

    @app.post("/v1/webhooks/chatwoot")
    async def receive(request: Request) -> dict[str, str]:
        await request.body()
        return {"status": "stored"}

    return app
