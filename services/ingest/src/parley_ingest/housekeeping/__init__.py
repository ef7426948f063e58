"""Ingest's housekeeping: old webhook delivery keys and published outbox rows go away."""
