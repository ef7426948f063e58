"""``parley backfill``: Chatwoot's REST API through the same normalization as webhooks."""
