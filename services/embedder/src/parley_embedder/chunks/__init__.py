"""Chunks of message text in ``rag_chunks`` and their embedding lifecycle."""
