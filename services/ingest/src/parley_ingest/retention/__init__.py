"""Retention: messages older than their account's window are deleted, on a schedule."""
