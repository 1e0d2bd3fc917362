"""A scripted candidate: a WebSocket client that hears prompts and streams answers in real time.

Used by `viva bench` and the integration tests; it speaks the protocol of docs/protocol.md."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import websockets

FRAME_SAMPLES = 640  # 40 ms at 16 kHz, as the page sends
FRAME_SECONDS = FRAME_SAMPLES / 16_000


def to_pcm16(audio: np.ndarray) -> bytes:
    return (np.clip(audio, -1.0, 1.0) * 32767).astype("<i2").tobytes()


@dataclass
class Candidate:
    url: str
    messages: list[dict[str, Any]] = field(default_factory=list)
    audio_bytes: int = 0
    audio: bytearray = field(default_factory=bytearray)  # every PCM16 byte the server sent
    received_at: list[float] = field(default_factory=list)  # perf_counter of each message
    first_audio_after: dict[str, float] = field(default_factory=dict)
    last_index: int = -1  # index in `messages` of what wait_for returned last
    _ws: Any = None
    _reader: asyncio.Task[None] | None = None
    _marks: dict[str, float] = field(default_factory=dict)
    _event: asyncio.Event = field(default_factory=asyncio.Event)

    async def __aenter__(self) -> Candidate:
        self._ws = await websockets.connect(self.url, max_size=1 << 22)
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()

    async def send(self, message: dict[str, Any]) -> None:
        await self._ws.send(json.dumps(message))

    async def send_raw(self, data: bytes | str) -> None:
        await self._ws.send(data)

    def mark(self, name: str) -> None:
        """Remember now; the first audio byte after it is timed against it."""
        self._marks[name] = time.perf_counter()

    async def wait_for(
        self, predicate: Any, timeout: float = 60.0, since: int | None = None
    ) -> dict[str, Any]:
        """The first matching message received from `since` (default: from now on)."""
        deadline = time.monotonic() + timeout
        index = len(self.messages) if since is None else since
        while True:
            while index < len(self.messages):
                message = self.messages[index]
                index += 1
                if predicate(message):
                    self.last_index = index - 1
                    return message
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no matching message; last: {self.messages[-5:]}")
            self._event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._event.wait(), remaining)

    async def wait_listening(self, timeout: float = 60.0, since: int | None = None) -> None:
        await self.wait_for(lambda m: m == {"type": "state", "state": "listening"}, timeout, since)

    def said(self, kind: str | None = None) -> list[dict[str, Any]]:
        return [
            m for m in self.messages if m["type"] == "say" and (kind is None or m["kind"] == kind)
        ]

    async def stream(self, pcm16: bytes, realtime: bool = True) -> None:
        """Send audio as 40 ms frames, paced like a microphone."""
        step = FRAME_SAMPLES * 2
        started = time.perf_counter()
        for i, offset in enumerate(range(0, len(pcm16), step)):
            await self._ws.send(pcm16[offset : offset + step])
            if realtime:
                delay = started + (i + 1) * FRAME_SECONDS - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)

    async def _read(self) -> None:
        async for raw in self._ws:
            if isinstance(raw, bytes):
                self.audio_bytes += len(raw)
                self.audio.extend(raw)
                now = time.perf_counter()
                for name, at in list(self._marks.items()):
                    self.first_audio_after[name] = now - at
                    del self._marks[name]
                self.messages.append({"type": "_audio", "bytes": len(raw)})
            else:
                self.messages.append(json.loads(raw))
            self.received_at.append(time.perf_counter())
            self._event.set()

    def first_after(self, index: int, kind: str) -> int:
        """Index of the first message of `kind` after `index`, or -1."""
        for i in range(index + 1, len(self.messages)):
            if self.messages[i]["type"] == kind:
                return i
        return -1
