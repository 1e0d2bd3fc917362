"""Token buckets, as pure arithmetic: the stores (memory, Redis) only keep the numbers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

PERIODS = {"second": 1.0, "minute": 60.0, "hour": 3600.0, "day": 86400.0}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour|day)\s*$")


@dataclass(frozen=True)
class Rate:
    """`capacity` requests at once, refilled at `per_second` tokens a second."""

    capacity: float
    per_second: float

    @classmethod
    def parse(cls, text: str) -> Rate:
        """ "5/minute" → 5 at once, one more every 12 s."""
        match = _RATE.match(text)
        if match is None or int(match.group(1)) < 1:
            raise ValueError(f"rate {text!r}: write N/second, N/minute, N/hour or N/day with N ≥ 1")
        count = int(match.group(1))
        return cls(capacity=float(count), per_second=count / PERIODS[match.group(2)])


@dataclass(frozen=True)
class Bucket:
    tokens: float
    updated: float  # seconds, on the clock of whoever keeps the bucket


def refill(bucket: Bucket | None, rate: Rate, now: float) -> Bucket:
    if bucket is None:
        return Bucket(rate.capacity, now)
    elapsed = max(0.0, now - bucket.updated)
    return Bucket(min(rate.capacity, bucket.tokens + elapsed * rate.per_second), now)


def take_all(
    buckets: Sequence[Bucket | None], rates: Sequence[Rate], now: float, cost: float = 1.0
) -> tuple[list[Bucket], float]:
    """Take `cost` from every bucket, or from none.

    Returns the buckets to keep and 0.0 when allowed, else the seconds until all of them hold
    enough again. A cost above a bucket's capacity takes the whole bucket, so it can pass.
    """
    filled = [refill(b, r, now) for b, r in zip(buckets, rates, strict=True)]
    costs = [min(cost, r.capacity) for r in rates]
    wait = max(
        (
            max(0.0, c - b.tokens) / r.per_second
            for b, r, c in zip(filled, rates, costs, strict=True)
        ),
        default=0.0,
    )
    if wait > 0:
        return filled, wait
    return [Bucket(b.tokens - c, b.updated) for b, c in zip(filled, costs, strict=True)], 0.0


def seconds_to_full(bucket: Bucket, rate: Rate) -> float:
    """How long a store must keep a bucket before forgetting it changes nothing."""
    return (rate.capacity - bucket.tokens) / rate.per_second
