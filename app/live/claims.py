"""One connection per interview across processes: a claim in Redis, and a take-over message.

Within a process the registry in app.live.session does this alone. With several processes
sharing Redis, a new connection announces itself on a channel; the process holding the
interview lets its connection go (saving the answer in progress), releases the claim, and the
new one takes it. Claims are leases renewed while the connection lives, so a process that
died holds nothing for long. Without Redis, or while it is unreachable, connections are not
coordinated across processes (each process still keeps its own interviews to one connection).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger("viva.live")

LEASE_MS = 15_000
RENEW_S = 5.0
# A process that holds the interview saves the answer in progress before letting go.
TAKEOVER_WAIT_S = 35.0
POLL_S = 0.1

RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class LocalClaims:
    """One process: nothing to coordinate beyond the in-process registry."""

    async def claim(self, interview_id: str, token: str) -> bool:
        return False

    async def release(self, interview_id: str, token: str) -> None:
        return None

    async def listen(self, on_takeover: Callable[[str, str], None]) -> None:
        await asyncio.Event().wait()

    async def close(self) -> None:
        return None


class RedisClaims:
    def __init__(self, url: str, prefix: str) -> None:
        import redis.asyncio as redis

        self.client = redis.from_url(url)
        self.prefix = prefix
        self.channel = f"{prefix}takeover"
        self._renew = self.client.register_script(RENEW)
        self._release = self.client.register_script(RELEASE)
        self._leases: dict[tuple[str, str], asyncio.Task[None]] = {}

    def _key(self, interview_id: str) -> str:
        return f"{self.prefix}live:{interview_id}"

    async def claim(self, interview_id: str, token: str) -> bool:
        """Ask whoever holds the interview to let go, then hold it (bounded wait).

        True when another connection held it (what is stored may have changed meanwhile)."""
        key = self._key(interview_id)
        waited = False
        try:
            await self.client.publish(self.channel, f"{interview_id} {token}")
            deadline = time.monotonic() + TAKEOVER_WAIT_S
            while not await self.client.set(key, token, nx=True, px=LEASE_MS):
                waited = True
                if time.monotonic() > deadline:
                    log.warning("interview %s: the other connection did not let go", interview_id)
                    await self.client.set(key, token, px=LEASE_MS)
                    break
                await asyncio.sleep(POLL_S)
        except Exception as error:  # Redis away: run uncoordinated rather than not at all
            log.warning("cannot claim interview %s in Redis: %s", interview_id, error)
            return waited
        self._leases[(interview_id, token)] = asyncio.create_task(self._keep(key, token))
        return waited

    async def release(self, interview_id: str, token: str) -> None:
        lease = self._leases.pop((interview_id, token), None)
        if lease is None:
            return
        lease.cancel()
        with contextlib.suppress(Exception):
            await self._release(keys=[self._key(interview_id)], args=[token])

    async def listen(self, on_takeover: Callable[[str, str], None]) -> None:
        """Forever: call on_takeover(interview_id, new_token) for each announcement."""
        while True:
            try:
                pubsub = self.client.pubsub()
                await pubsub.subscribe(self.channel)
                async for message in pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    interview_id, _, token = message["data"].decode().partition(" ")
                    on_takeover(interview_id, token)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("take-over channel lost (%s); resubscribing", error)
                await asyncio.sleep(1.0)

    async def close(self) -> None:
        for lease in self._leases.values():
            lease.cancel()
        with contextlib.suppress(Exception):
            await self.client.aclose()

    async def _keep(self, key: str, token: str) -> None:
        while True:
            await asyncio.sleep(RENEW_S)
            with contextlib.suppress(Exception):
                await self._renew(keys=[key], args=[token, LEASE_MS])


def make_claims(redis_url: str | None, prefix: str) -> Any:
    return RedisClaims(redis_url, prefix) if redis_url else LocalClaims()
