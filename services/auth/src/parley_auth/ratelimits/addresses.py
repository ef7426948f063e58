"""The client address a rate limit counts against.

The address is ``request.client.host``: the peer, or the client a trusted proxy names in
``X-Forwarded-For`` (``PARLEY_TRUSTED_PROXIES``, applied by parley_runtime before any route
runs). One IPv6 host usually holds a whole /64, so IPv6 addresses count by their /64
network; an IPv4-mapped IPv6 address counts as its IPv4 address.
"""

from __future__ import annotations

import ipaddress

IPV6_PREFIX = 64


def address_key(host: str | None) -> str:
    """``203.0.113.7``, ``2001:db8:1:2::/64``; a host that is no IP address stays as given."""
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, IPV6_PREFIX), strict=False))
    return str(address)
