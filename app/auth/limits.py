"""Rate limits at the edge: which buckets a request takes from, and the 429 it gets."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from functools import cache

from fastapi import HTTPException, status
from starlette.requests import HTTPConnection

from app.auth.limiter import Limiter
from app.auth.middleware import LIMITER
from app.auth.ratelimit import Rate

log = logging.getLogger("viva.auth")


@cache
def rate(text: str) -> Rate:
    return Rate.parse(text)


def client_address(connection: HTTPConnection) -> str:
    # Behind a proxy, run uvicorn with --forwarded-allow-ips so this is the client's address.
    return connection.client.host if connection.client else "unknown"


async def enforce(
    connection: HTTPConnection, buckets: Sequence[tuple[str, str]], cost: float = 1.0
) -> None:
    """Take from every (bucket name, rate) or raise 429 with Retry-After."""
    limiter: Limiter = connection.scope["state"][LIMITER]
    try:
        wait = await limiter.hit([(name, rate(text)) for name, text in buckets], cost)
    except Exception:
        log.exception("rate limiter unavailable")
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, "Rate limits cannot be checked; try again soon."
        ) from None
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"Too many requests; try again in {seconds} s.",
            headers={"Retry-After": str(seconds)},
        )
