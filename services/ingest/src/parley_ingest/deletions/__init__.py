"""Removing Chatwoot objects from Parley: rows, chunks with their vectors, outbox events."""
