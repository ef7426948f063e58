"""Chatwoot objects into Parley rows: text cleaning, payload schemas, versioned upserts."""
