"""Where token buckets are kept: in this process, or in Redis so that workers share them."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, Protocol

from app.auth.ratelimit import Bucket, Rate, seconds_to_full, take_all

MAX_MEMORY_BUCKETS = 50_000

# The same arithmetic as ratelimit.take_all, atomic in Redis on Redis's own clock.
# KEYS: buckets; ARGV: cost, then capacity and per-second refill of each bucket.
TAKE_ALL_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local cost = tonumber(ARGV[1])
local tokens = {}
local wait = 0
for i = 1, #KEYS do
  local cap = tonumber(ARGV[2 * i])
  local rate = tonumber(ARGV[2 * i + 1])
  local state = redis.call('HMGET', KEYS[i], 'tokens', 'updated')
  local tk = tonumber(state[1])
  local up = tonumber(state[2])
  if tk == nil or up == nil then tk = cap; up = now end
  tk = math.min(cap, tk + math.max(0, now - up) * rate)
  tokens[i] = tk
  local c = math.min(cost, cap)
  if c > tk then wait = math.max(wait, (c - tk) / rate) end
end
if wait > 0 then return tostring(wait) end
for i = 1, #KEYS do
  local cap = tonumber(ARGV[2 * i])
  local rate = tonumber(ARGV[2 * i + 1])
  local left = tokens[i] - math.min(cost, cap)
  redis.call('HSET', KEYS[i], 'tokens', tostring(left), 'updated', tostring(now))
  redis.call('PEXPIRE', KEYS[i], math.ceil((cap - left) / rate * 1000) + 1000)
end
return '0'
"""


class Limiter(Protocol):
    async def hit(self, buckets: Sequence[tuple[str, Rate]], cost: float = 1.0) -> float:
        """Take `cost` from every named bucket or from none: 0.0, or seconds to wait."""
        ...

    async def aclose(self) -> None: ...


class MemoryLimiter:
    """One process's buckets. The event loop is single-threaded: no await between read
    and write, so no lock."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self.clock = clock
        self.buckets: dict[str, tuple[Bucket, Rate]] = {}

    async def hit(self, buckets: Sequence[tuple[str, Rate]], cost: float = 1.0) -> float:
        now = self.clock()
        stored = [self.buckets.get(name) for name, _ in buckets]
        rates = [rate for _, rate in buckets]
        kept, wait = take_all([s[0] if s else None for s in stored], rates, now, cost)
        if wait == 0:
            for (name, rate), bucket in zip(buckets, kept, strict=True):
                self.buckets[name] = (bucket, rate)
            if len(self.buckets) > MAX_MEMORY_BUCKETS:
                self._forget_full(now)
        return wait

    def _forget_full(self, now: float) -> None:
        for name, (bucket, rate) in list(self.buckets.items()):
            if now - bucket.updated >= seconds_to_full(bucket, rate):
                del self.buckets[name]

    async def aclose(self) -> None:
        self.buckets.clear()


class RedisLimiter:
    def __init__(self, url: str, prefix: str) -> None:
        import redis.asyncio as redis

        self.client = redis.from_url(url)
        self.prefix = prefix
        self.script = self.client.register_script(TAKE_ALL_LUA)

    async def hit(self, buckets: Sequence[tuple[str, Rate]], cost: float = 1.0) -> float:
        keys = [f"{self.prefix}rl:{name}" for name, _ in buckets]
        args: list[float] = [cost]
        for _, rate in buckets:
            args += [rate.capacity, rate.per_second]
        result = await self.script(keys=keys, args=args)
        return float(result)

    async def aclose(self) -> None:
        await self.client.aclose()


def make_limiter(redis_url: str | None, prefix: str) -> Limiter:
    return RedisLimiter(redis_url, prefix) if redis_url else MemoryLimiter()
