"""Reconcile: remove what Chatwoot deleted, follow contact merges (Chatwoot sends no webhook)."""
