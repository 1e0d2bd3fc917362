"""Admission control and metrics: at capacity a new interview is told to come back later."""

from __future__ import annotations

import httpx
import pytest

from app.candidate import Candidate
from tests.support import ServerThread

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def small_server(speech, tmp_path_factory):
    from app.main import create_app
    from app.settings import Settings

    settings = Settings(data_dir=tmp_path_factory.mktemp("capacity"), max_interviews=1)
    with ServerThread(create_app(settings, speech=speech)) as running:
        yield running


async def create(server) -> str:
    async with httpx.AsyncClient(base_url=server.url) as http:
        response = await http.post("/api/v1/interviews", json={"questions": 1})
    return response.json()["id"]


def ws(server, interview_id: str) -> str:
    return f"{server.ws_url}/api/v1/interviews/{interview_id}/ws"


async def test_a_full_server_refuses_politely_and_admits_again_later(small_server):
    first, second = await create(small_server), await create(small_server)
    async with Candidate(ws(small_server, first)) as running:
        await running.send({"type": "start"})
        await running.wait_listening(since=0)
        async with Candidate(ws(small_server, second)) as waiting:
            await waiting.send({"type": "start"})
            refused = await waiting.wait_for(lambda m: m["type"] == "error", since=0)
        assert refused["code"] == "busy" and refused["retry_after"] > 0
        assert "try again" in refused["message"].lower()
        async with httpx.AsyncClient(base_url=small_server.url) as http:
            metrics = (await http.get("/metrics")).text
        assert "viva_active_interviews 1.0" in metrics
        assert "viva_refused_total 1.0" in metrics
        # the running interview was not disturbed
        await running.send({"type": "text_answer", "text": "I would use a token bucket. " * 10})
        await running.wait_for(lambda m: m["type"] == "transcript" and m["final"], since=0)
    # the first candidate left: the second is admitted now
    async with Candidate(ws(small_server, second)) as admitted:
        await admitted.send({"type": "start"})
        await admitted.wait_listening(since=0)
        assert not [m for m in admitted.messages if m["type"] == "error"]
