"""A fresh deployment on the multilingual model: PARLEY_EMBEDDING_MODEL and _DIM are all it
takes for the embedder and search-api to embed with it, and a German or Spanish query finds
an English conversation it shares no word with."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from parley_devstack.embedded_db import EmbeddedDatabase
from parley_embeddings.catalogue import USE_MULTILINGUAL
from parley_schema.db import create_engine
from parley_simulator.payloads import message_event
from parley_testing.postgres import create_migrated, drop_database, run_async
from parley_testing.stack import Stack, running_stack
from sqlalchemy import text

from .conftest import Searchers
from .test_pipeline import _conversation, _eventually, _message, _message_ids, _send

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(
    pg_server: EmbeddedDatabase,
    module_amqp_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    """This module's stack on a database whose vectors have the multilingual model's size."""
    name = f"multilingual_{uuid.uuid4().hex[:8]}"
    url = create_migrated(
        pg_server,
        name,
        embedding_dim=USE_MULTILINGUAL.dimension,
        embedding_model=USE_MULTILINGUAL.name,
    )
    settings = {
        "PARLEY_EMBEDDING_MODEL": USE_MULTILINGUAL.name,
        "PARLEY_EMBEDDING_DIM": str(USE_MULTILINGUAL.dimension),
    }
    logs = Path(tmp_path_factory.mktemp("logs"))
    with running_stack(url, module_amqp_url, logs, extra_env=settings) as stack:
        yield stack
    run_async(lambda: drop_database(pg_server, name))


async def test_a_query_in_another_language_finds_the_conversation(
    stack: Stack, searchers: Searchers
) -> None:
    parcel = _message("My parcel never arrived and the tracking page has not changed in a week.")
    password = _message("How can I change the password of my account?")
    for message in (parcel, password):
        await _send(stack, message_event("message_created", _conversation(1), message))
    wanted, other = f"cwmsg:1:{parcel.id}", f"cwmsg:1:{password.id}"

    async def both_embedded() -> bool:
        result = await searchers.both_accounts.search("account", mode="keyword", limit=5)
        hits = await searchers.both_accounts.search("parcel tracking", mode="semantic")
        return other in _message_ids(result) and wanted in _message_ids(hits)

    await _eventually(both_embedded, "both messages are embedded", stack)

    for query in ("Mein Paket ist nie angekommen", "mi paquete nunca llegó"):
        semantic = await searchers.both_accounts.search(query, mode="semantic", limit=2)
        assert _message_ids(semantic)[0] == wanted, query
        keyword = await searchers.both_accounts.search(query, mode="keyword", limit=2)
        assert wanted not in _message_ids(keyword), query  # no shared word: only the vector

    engine = create_engine(stack.settings, application_name="e2e-multilingual")
    try:
        async with engine.connect() as connection:
            stored = (
                await connection.execute(
                    text(
                        "SELECT DISTINCT embedding_model, vector_dims(embedding) FROM rag_chunks"
                        " WHERE embedding IS NOT NULL"
                    )
                )
            ).all()
    finally:
        await engine.dispose()
    assert stored == [(USE_MULTILINGUAL.name, USE_MULTILINGUAL.dimension)]
