"""Handoffs: escalation recommendations of conversations, ``pending → routed → resolved``."""
