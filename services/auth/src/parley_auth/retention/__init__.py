"""Per-account retention windows an administrator sets (ingest applies them)."""
