"""Who a request comes from: its peer, or behind a trusted proxy, the client it names.

X-Forwarded-For can be written by anyone; it is believed only from the proxies
that DJANGO_TRUSTED_PROXIES names (addresses or networks).
"""

from __future__ import annotations

import functools
import ipaddress
from typing import Any

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.cache
def _proxies(names: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(name.strip(), strict=False) for name in names if name)


def is_trusted_proxy(address: str) -> bool:
    if not settings.TRUSTED_PROXIES:
        return False  # the usual case, on every request: no address to parse
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _proxies(tuple(settings.TRUSTED_PROXIES)))


def client_address(peer: str, forwarded_for: str | None) -> str:
    """The client's address: the peer's, or if the peer is a trusted proxy, the nearest
    address in X-Forwarded-For that is not one (proxies append whom they heard from)."""
    if not forwarded_for or not is_trusted_proxy(peer):
        return peer
    for hop in reversed([hop.strip() for hop in forwarded_for.split(",")]):
        if not is_trusted_proxy(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # a hop that is no address: believe nothing further
    return peer


# Headers that proxies add, in META's names: a request that has one came through a proxy
# (or claims to), even from this machine's own address.
PROXY_HEADERS = ("HTTP_FORWARDED", "HTTP_VIA", "HTTP_X_REAL_IP", "HTTP_X_CLIENT_IP",
                 "HTTP_TRUE_CLIENT_IP", "HTTP_CF_CONNECTING_IP")  # fmt: skip
PROXY_HEADER_PREFIX = "HTTP_X_FORWARDED_"


def proxied(meta: dict[str, Any]) -> bool:
    """Whether a request came through a proxy, or says it did: it has a proxy's header."""
    return any(name in PROXY_HEADERS or name.startswith(PROXY_HEADER_PREFIX) for name in meta)


def forwarded_resolve(meta: dict[str, Any]) -> None:
    """In a request's META: the client's address as REMOTE_ADDR, and X-Forwarded-For and
    X-Forwarded-Proto dropped unless a trusted proxy sent them."""
    peer = meta.get("REMOTE_ADDR", "")
    meta["VOTING_FORWARDED"] = proxied(meta)
    if is_trusted_proxy(peer):
        meta["REMOTE_ADDR"] = client_address(peer, meta.get("HTTP_X_FORWARDED_FOR"))
    else:
        meta.pop("HTTP_X_FORWARDED_FOR", None)
        meta.pop("HTTP_X_FORWARDED_PROTO", None)


def request_address(request: HttpRequest) -> str:
    """The client's address of a request (TrustedProxiesMiddleware has set it)."""
    return str(request.META.get("REMOTE_ADDR", ""))


def client_network(address: str) -> str:
    """Whom the abuse limits count a client's address as: an IPv4 address itself; an IPv6
    address's /64, which a home or a phone is given whole and can pick any address in."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)
