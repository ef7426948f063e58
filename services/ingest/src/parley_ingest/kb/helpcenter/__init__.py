"""Chatwoot Help Center articles, polled: ``parley kb sync`` and the periodic sync."""
