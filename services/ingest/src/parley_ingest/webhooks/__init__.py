"""``POST /v1/webhooks/chatwoot``: verification, de-duplication, dispatch to normalization."""
