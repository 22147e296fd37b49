"""URL rules: where a bearer token may be sent, an http(s) URL's origin, a URL shown without its credentials."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

#: Host names a local service (demo, tests) listens on; plain http is allowed only to them.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def may_carry_token(url: str) -> bool:
    """True when a bearer token may be sent to ``url``: https, or plain http to a loopback host only."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme == "https" or (scheme == "http" and is_loopback(parts.hostname))


def is_loopback(host: str | None) -> bool:
    """True for `localhost` and loopback IP addresses (127.0.0.0/8, ::1)."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def redact_url(value: str) -> str:
    """`value` with any credentials (everything between `scheme://` and the last `@`) shown as `***`."""
    if "@" not in value:
        return value
    scheme, sep, rest = value.partition("://")
    return f"{scheme}{sep}***@{rest.rsplit('@', 1)[1]}" if sep else f"***@{value.rsplit('@', 1)[1]}"


def origin_of(url: str) -> str | None:
    """Return the ``scheme://host[:port]`` origin of an http(s) URL, or None if it is not one."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or parts.username:
        return None
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"{parts.scheme.lower()}://{host}" + (f":{port}" if port is not None else "")
