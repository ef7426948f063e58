"""Attempt counters in Postgres, so every replica enforces the same limits."""
