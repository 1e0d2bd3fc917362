"""Test helpers: databases (SQLite always, PostgreSQL when reachable) and a real server thread."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import threading
import time
from typing import Any

import uvicorn

# jfk.flac's middle line as a live interview hears it. Streamed in real time, the recording is
# cut at its pauses, and where a cut falls moves with the machine's load; tiny.en then heard
# "ask not watch your country" once. The words around that one are the same every time.
JFK_LINE_HEARD_LIVE = re.compile(r"\bask not \w+ your country can do for you\b")


def heard_jfk_line(text: str) -> bool:
    """Whether a live transcript has "ask not what your country can do for you"."""
    return JFK_LINE_HEARD_LIVE.search(" ".join(re.findall(r"[a-z0-9]+", text.lower()))) is not None


PG_ADMIN_URL = os.environ.get("VIVA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def postgres_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            pass
    except OSError:
        return False
    try:
        asyncio.run(_pg_exec("SELECT 1"))
    except Exception:
        return False
    return True


def fresh_postgres_database(name: str) -> str:
    """Drop and create a database of its own for this test session; returns its URL."""
    asyncio.run(_pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    asyncio.run(_pg_exec(f'CREATE DATABASE "{name}"'))
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://", 1)


async def _pg_exec(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(PG_ADMIN_URL, timeout=2)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


class ServerThread:
    """A real uvicorn server on a free loopback port, in a thread of the test process."""

    def __init__(self, app: Any) -> None:
        config = uvicorn.Config(
            app, host="127.0.0.1", port=0, log_level="warning", ws_max_size=1 << 20
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.port = 0

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"
