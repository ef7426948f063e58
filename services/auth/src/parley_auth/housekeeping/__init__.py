"""Keeping auth's tables small: expired sessions, signup requests and rate-limit counters."""
