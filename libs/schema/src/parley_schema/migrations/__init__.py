"""Alembic environment and revisions: the only place Parley's DDL lives."""
