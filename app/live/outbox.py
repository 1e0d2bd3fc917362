"""Everything the server sends on one WebSocket goes through here, one message at a time."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from starlette.websockets import WebSocket, WebSocketState

from app.metrics import ERRORS

log = logging.getLogger("viva.live")


class Outbox:
    def __init__(self, websocket: WebSocket, send_timeout_s: float = 15.0) -> None:
        self.websocket = websocket
        self.send_timeout_s = send_timeout_s
        self._lock = asyncio.Lock()
        self.closed = False
        self.stalled = asyncio.Event()  # set when the client stopped reading

    async def json(self, message: dict[str, Any]) -> None:
        await self._send(json.dumps(message, ensure_ascii=False), None)

    async def audio(self, pcm: bytes) -> None:
        await self._send(None, pcm)

    async def error(self, code: str, message: str, **extra: Any) -> None:
        ERRORS.labels(code).inc()
        await self.json({"type": "error", "code": code, "message": message, **extra})

    async def close(self, code: int, reason: str) -> None:
        """Close the connection; a peer that does not answer the close is given up on."""
        with contextlib.suppress(Exception):
            async with asyncio.timeout(5):
                await self.websocket.close(code=code, reason=reason)

    async def state(self, state: str) -> None:
        await self.json({"type": "state", "state": state})

    async def _send(self, text: str | None, data: bytes | None) -> None:
        if self.closed:
            return
        async with self._lock:
            if self.websocket.client_state != WebSocketState.CONNECTED:
                self.closed = True
                return
            try:
                async with asyncio.timeout(self.send_timeout_s):
                    if text is not None:
                        await self.websocket.send_text(text)
                    else:
                        await self.websocket.send_bytes(data or b"")
            except TimeoutError:
                # The client stopped reading: everything waiting behind this send (and the
                # memory it holds) would wait forever. Closing ends the session; it resumes
                # on reconnect.
                log.warning("client stopped reading for %.0f s; closing", self.send_timeout_s)
                self.closed = True
                self.stalled.set()
                ERRORS.labels("send_timeout").inc()
                await self.close(1008, "not reading")
            except Exception:  # the peer went away; the receive loop ends the session
                log.debug("send failed; connection closed", exc_info=True)
                self.closed = True
