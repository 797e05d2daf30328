"""Is this request from this machine, and for an allowed host? Decided from what a reverse proxy
cannot hide: the TCP peer alone is not enough (behind a proxy on the same machine every visitor
comes from 127.0.0.1), so a local request also names a loopback Host, carries no forwarding
header, and (for a browser's POST) a loopback Origin."""
from __future__ import annotations

from collections.abc import Collection
from urllib.parse import urlsplit

from starlette.requests import Request

LOOPBACK_PEERS = frozenset({"127.0.0.1", "::1", "testclient"})
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1", "[::1]", "testclient"})
FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip")


def host_name(value: str) -> str:
    """`example.org:8443` → `example.org`; `[::1]:8000` → `[::1]`."""
    value = value.strip().lower()
    if value.startswith("["):
        return value.split("]", 1)[0] + "]"
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def origin_host(origin: str) -> str | None:
    if origin in ("", "null"):
        return None if origin == "" else "null"
    parts = urlsplit(origin)
    return host_name(parts.netloc) if parts.netloc else "null"


def is_local(request: Request) -> bool:
    peer = request.client.host if request.client else ""
    if peer not in LOOPBACK_PEERS or any(h in request.headers for h in FORWARDING_HEADERS):
        return False
    if host_name(request.headers.get("host", "")) not in LOOPBACK_NAMES:
        return False
    origin = origin_host(request.headers.get("origin", ""))
    return origin is None or origin in LOOPBACK_NAMES


def is_for_allowed_host(request: Request, allowed: Collection[str]) -> bool:
    """Host (and Origin, when sent) name one of the allowed hosts."""
    if host_name(request.headers.get("host", "")) not in allowed:
        return False
    origin = origin_host(request.headers.get("origin", ""))
    return origin is None or origin in allowed
