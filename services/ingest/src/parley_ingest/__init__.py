"""Chatwoot webhooks and REST backfill into Postgres, events out through a transactional outbox."""
