"""Contact labels: read from Chatwoot's REST API, since webhooks do not carry them."""
