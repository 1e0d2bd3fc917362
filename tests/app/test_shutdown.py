"""SIGTERM in the middle of an answer loses nothing, and the interview resumes after it."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from app.candidate import Candidate, to_pcm16
from audio.codecs import decode_file

pytestmark = pytest.mark.slow


class ServeProcess:
    """`viva serve` as a user runs it, on a free port and a data dir of its own."""

    def __init__(self, data_dir: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        env = {**os.environ, "VIVA_DATA_DIR": str(data_dir)}
        env.pop("VIVA_DATABASE_URL", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(self.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.process.stderr.read()  # type: ignore[union-attr]
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("viva serve did not become ready")

    def terminate(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)


def words(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text.lower()).split())


async def test_sigterm_mid_answer_keeps_it_and_the_interview_resumes(tmp_path, jfk_path):
    server = ServeProcess(tmp_path)
    try:
        async with httpx.AsyncClient(base_url=server.url) as http:
            created = await http.post(
                "/api/v1/interviews", json={"role": "backend-engineer", "questions": 2}
            )
        interview_id = created.json()["id"]
        ws = f"ws://127.0.0.1:{server.port}/api/v1/interviews/{interview_id}/ws"
        async with Candidate(ws) as candidate:
            await candidate.send({"type": "start"})
            await candidate.wait_listening(since=0)
            question = candidate.said()[-1]
            await candidate.stream(to_pcm16(decode_file(jfk_path))[: 16_000 * 2 * 5])
            # uvicorn re-raises the signal after its graceful shutdown, so -15 is a clean exit
            assert server.terminate() in (0, -signal.SIGTERM)
    finally:
        if server.process.poll() is None:
            server.process.kill()

    restarted = ServeProcess(tmp_path)
    try:
        async with httpx.AsyncClient(base_url=restarted.url) as http:
            interview = (await http.get(f"/api/v1/interviews/{interview_id}")).json()
        answers = [t for t in interview["turns"] if t["speaker"] == "candidate"]
        assert len(answers) == 1 and answers[0]["partial"] is True
        assert "fellow americans" in words(answers[0]["text"])
        ws = f"ws://127.0.0.1:{restarted.port}/api/v1/interviews/{interview_id}/ws"
        async with Candidate(ws) as candidate:
            await candidate.send({"type": "start"})
            await candidate.wait_listening(since=0)
            assert [m["text"] for m in candidate.said()] == [question["text"]]
    finally:
        restarted.terminate()
