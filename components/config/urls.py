"""Readers of URL keys: the frontend's, the CORS origins, the Postgres and Qdrant URLs (never echoing
credentials: `rules.urls.redact_url`)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from components.config.reader import Reader, Values
from components.rules.urls import LOOPBACK_HOSTS, origin_of, redact_url

if TYPE_CHECKING:
    from components.config.keys import Key

_SSL_MODES = ("require", "verify-ca", "verify-full")


def credentials_in_url(r: Reader, key: str, value: str) -> bool:
    """Refuse `user:password@` in a URL setting (it would be printed, stored and sent); never echo it."""
    if "@" not in value:
        return False
    r.fail(key, f"must not contain credentials (`user:password@`); got {redact_url(value)!r}: set it "
           f"without them (`pulumi config set {key} https://host`; the Hub token goes in hfToken)")
    return True


def url(r: Reader, key: str) -> str | None:
    """A required http(s) URL without credentials, trailing slashes dropped."""
    value = r.required(key)
    if value is not None and credentials_in_url(r, key, value):
        return None
    if value is not None and origin_of(value) is None:
        r.fail(key, f"must be an http(s) URL such as https://example.com; got {redact_url(value)!r}")
        return None
    return value.rstrip("/") if value is not None else None


def required_url(r: Reader, key: Key, v: Values) -> None:
    """A required http(s) URL (`frontendDevUrl`)."""
    v[key.field] = url(r, key.name)


def frontend_url(r: Reader, key: Key, v: Values) -> None:
    """`frontendUrl`: empty, or an http(s) URL without credentials."""
    value = r.optional(key.name)
    if value is not None and credentials_in_url(r, key.name, value):
        value = None
    elif value is not None and origin_of(value) is None:
        r.fail(key.name, f"must be an http(s) URL like https://my-app.vercel.app; got {redact_url(value)!r}")
        value = None
    v[key.field] = value


def allowed_origins(r: Reader, key: Key, v: Values) -> None:
    """`allowedOrigins`: comma-separated `scheme://host[:port]` entries or '*', de-duplicated in order."""
    raw = r.cfg.get(key.name)
    if raw is None:
        r.required(key.name)
        v[key.field] = ()
        return
    origins: list[str] = []
    for entry in (e.strip() for e in raw.split(",")):
        if not entry:
            continue
        origin = "*" if entry == "*" else origin_of(entry)
        parts = urlsplit(entry)
        has_path = parts.path not in ("", "/") or bool(parts.query or parts.fragment)
        if origin is None or (entry != "*" and has_path):
            r.fail(key.name, f"{redact_url(entry)!r} is not an origin; use comma-separated scheme://host[:port] "
                   "entries (no path) or '*'")
            continue
        origins.append(origin)
    v[key.field] = tuple(dict.fromkeys(origins))


def database_url(r: Reader, key: Key, v: Values) -> None:
    """`databaseUrl`: a Postgres URL that requires TLS."""
    value = r.secret(key.name)
    v[key.field] = None
    if value is None:
        return
    parts = urlsplit(value)
    scheme, _, driver = parts.scheme.lower().partition("+")
    if scheme not in ("postgres", "postgresql") or not parts.netloc:
        r.fail(key.name, "must be a Postgres URL (postgresql://user:pass@host/db?sslmode=require; "
               "postgres:// and postgresql+driver:// work too); fix it with "
               "`pulumi config set --secret databaseUrl ...`")
        return
    query = parse_qs(parts.query)
    ssl = query.get("sslmode", []) + (query.get("ssl", []) if driver == "asyncpg" else [])
    if not any(mode in _SSL_MODES for mode in ssl):
        r.fail(key.name, "must require TLS: add `sslmode=require` to its query string "
               "(`pulumi config set --secret databaseUrl 'postgresql://...?sslmode=require'`)")
        return
    v[key.field] = value


def qdrant_url(r: Reader, key: Key, v: Values) -> None:
    """`qdrantUrl`: https (plain http to a loopback host for demos and tests), no trailing slash."""
    value = r.secret(key.name)
    v[key.field] = None
    if value is None:
        return
    parts = urlsplit(value)
    loopback = parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS  # local demos and tests
    if not (parts.scheme == "https" or loopback) or not parts.netloc:
        r.fail(key.name, "must be an https:// URL (https://<cluster>.cloud.qdrant.io:6333)")
    elif value.endswith("/"):
        r.fail(key.name, "must not end with '/'; set it again without the trailing slash")
    else:
        v[key.field] = value
