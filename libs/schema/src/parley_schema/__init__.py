"""Parley's shared schema: tables, migrations, event contracts, settings and runtime base pieces."""
