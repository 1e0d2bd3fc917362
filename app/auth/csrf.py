"""Cross-site request checks, as pure functions of a request's headers.

Two layers (docs/security.md): browsers label every request with where it came from
(Sec-Fetch-Site, else Origin), and a request that changes something must either come from
this origin or carry the session's CSRF token (header X-CSRF-Token, or form field
csrf_token) — the pages send it, and cross-site pages cannot read it.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from urllib.parse import urlsplit

CSRF_COOKIE = "viva_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def tokens_match(sent: str | None, expected: str | None) -> bool:
    if not sent or not expected:
        return False
    return hmac.compare_digest(sent.encode(), expected.encode())


def origin_host(origin: str) -> str | None:
    """ "https://viva.example:8443" → "viva.example:8443"; None for "null" or garbage."""
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return parts.netloc.lower()


def is_cross_origin(headers: Mapping[str, str]) -> bool:
    """Whether a browser says this request comes from another origin (another site, another
    port of this host, or a sandboxed page). Requests without those headers are not from a
    browser page and are judged by the token alone."""
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site:
        return fetch_site not in ("same-origin", "none")
    origin = headers.get("origin")
    if not origin:
        return False
    return origin_host(origin) != headers.get("host", "").lower()


def is_same_origin(headers: Mapping[str, str]) -> bool:
    """Positive proof, from the browser, that this origin's own page sent the request."""
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site:
        return fetch_site == "same-origin"
    origin = headers.get("origin")
    return bool(origin) and origin_host(origin or "") == headers.get("host", "").lower()


def api_write_allowed(headers: Mapping[str, str], expected_token: str) -> bool:
    """A signed-in JSON API request that changes something: the session's token, or a
    browser's word that this origin sent it."""
    return tokens_match(headers.get(CSRF_HEADER), expected_token) or is_same_origin(headers)
