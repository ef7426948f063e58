"""Hybrid semantic and keyword search over Chatwoot conversations, scoped to a project."""
