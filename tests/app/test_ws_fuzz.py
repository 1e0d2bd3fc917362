"""The live WebSocket under garbage: random bytes, oversized frames, invalid JSON, messages
out of order. Afterwards the server still serves everyone, and nothing stored is lost."""

from __future__ import annotations

import asyncio
import json
import random
import string

import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from app.candidate import Candidate, to_pcm16
from audio.codecs import decode_file
from tests.app.auth_support import sql

pytestmark = pytest.mark.slow

ERROR_CODES = {  # docs/protocol.md
    "bad_json",
    "unknown_type",
    "bad_audio_frame",
    "frame_too_large",
    "unsupported_sample_rate",
    "not_listening",
    "already_started",
    "bad_text",
    "text_too_long",
    "answer_too_long",
}
SERVER_TYPES = {"say", "say_end", "state", "transcript", "error", "finished"}
ANSWER = "I would put a token bucket per user in Redis and answer 429 with Retry-After."


def fuzz_message(rng: random.Random) -> str | bytes:
    kind = rng.randrange(12)
    if kind == 0:  # odd-length audio: not whole samples
        return rng.randbytes(rng.randrange(1, 4000) | 1)
    if kind == 1:  # noise as audio
        return rng.randbytes(rng.randrange(0, 3200) & ~1)
    if kind == 2:  # over the 64 KiB frame limit
        return rng.randbytes(rng.randrange(65_537, 200_000))
    if kind == 3:  # not JSON
        text = "".join(rng.choices(string.printable, k=rng.randrange(0, 200)))
        return rng.choice([text, '{"type": "start"', "{'type': 'skip'}", "", "\x00"])
    if kind == 4:  # JSON, but not an object
        return json.dumps(rng.choice([[1, 2], "start", 3, None, True, [{"type": "skip"}]]))
    if kind == 5:  # an unknown type
        return json.dumps({"type": rng.choice(["hello", "START", "say", "", "drop_table"])})
    if kind == 6:  # a type that is not a string
        return json.dumps({"type": rng.choice([["start"], {"a": 1}, 5, None, 1.5])})
    if kind == 7:  # out of order: answering while Viva is not listening
        message: dict[str, object] = {"type": rng.choice(["end_answer", "skip", "repeat"])}
        if rng.random() < 0.3:
            message = {"type": "text_answer", "text": "too early"}
        return json.dumps(message)
    if kind == 8:  # the sample-rate handshake, wrong
        rate = rng.choice([8000, 44100, "16000", None, [], 1e308, -1])
        return json.dumps({"type": "start", "sample_rate": rate})
    if kind == 9:  # typed answers that are no answers
        text = rng.choice([None, 123, "", "   ", "x" * 20_001, ["a"]])
        return json.dumps({"type": "text_answer", "text": text})
    if kind == 10:  # nested deeper than any parser's recursion
        depth = rng.randrange(1_000, 60_000)
        return "[" * depth + "]" * depth
    return "".join(chr(rng.randrange(0x20, 0xD7FF)) for _ in range(rng.randrange(1, 300)))


async def new_interview(server) -> str:
    async with httpx.AsyncClient(base_url=server.url) as http:
        body = {"role": "backend-engineer", "round": "technical", "questions": 2}
        response = await http.post("/api/v1/interviews", json=body)
    assert response.status_code == 201
    return response.json()["id"]


async def stored_turns(server, interview_id: str) -> list[dict]:
    async with httpx.AsyncClient(base_url=server.url) as http:
        return (await http.get(f"/api/v1/interviews/{interview_id}")).json()["turns"]


async def answer_first_question_by_text(url: str) -> None:
    async with Candidate(url) as candidate:
        await candidate.send({"type": "start", "sample_rate": 16000})
        await candidate.wait_listening(since=0)
        before = len(candidate.messages)
        await candidate.send({"type": "text_answer", "text": ANSWER})
        await candidate.wait_for(lambda m: m["type"] == "transcript" and m["final"], since=before)


async def fuzz(url: str, rng: random.Random, count: int) -> list[dict]:
    """Send `count` bad messages on one connection; returns what the server said."""
    received: list[dict] = []
    async with websockets.connect(url, max_size=1 << 22) as ws:

        async def read() -> None:
            async for raw in ws:
                if isinstance(raw, str):
                    received.append(json.loads(raw))

        reader = asyncio.create_task(read())
        for _ in range(count):
            await ws.send(fuzz_message(rng))
        await ws.send(json.dumps({"type": "definitely_not_a_type"}))
        for _ in range(100):  # the last answer proves the session is alive and in order
            if received and received[-1].get("message", "").endswith("'definitely_not_a_type'."):
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError(f"the session stopped answering; last: {received[-3:]}")
        await ws.close()
        reader.cancel()
    return received


async def test_garbage_on_the_socket_loses_nothing_and_serves_others(server):
    interview_id = await new_interview(server)
    url = f"{server.ws_url}/api/v1/interviews/{interview_id}/ws"
    await answer_first_question_by_text(url)
    before = await stored_turns(server, interview_id)
    assert any(t["speaker"] == "candidate" and t["text"] == ANSWER for t in before)

    rng = random.Random(20261123)
    said = []
    for _ in range(3):  # fresh connections: nothing started, so everything is out of order
        said += await fuzz(url, rng, 120)
    assert {m["type"] for m in said} <= SERVER_TYPES
    codes = {m["code"] for m in said if m["type"] == "error"}
    assert codes <= ERROR_CODES, codes - ERROR_CODES
    assert {"bad_json", "unknown_type", "bad_audio_frame", "frame_too_large"} <= codes
    assert {"not_listening", "unsupported_sample_rate", "text_too_long"} <= codes

    # A frame over the server's 1 MiB message limit closes that connection, and only that.
    async with websockets.connect(url, max_size=1 << 22) as ws:
        await ws.send(bytes(2 << 20))
        with pytest.raises(ConnectionClosed) as closed:
            for _ in range(50):
                await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009

    after = await stored_turns(server, interview_id)
    assert [(t["id"], t["text"]) for t in after[: len(before)]] == [
        (t["id"], t["text"]) for t in before
    ]

    # Others are served: a new interview starts, and this one resumes where it was.
    other = await new_interview(server)
    async with Candidate(f"{server.ws_url}/api/v1/interviews/{other}/ws") as candidate:
        await candidate.send({"type": "start", "sample_rate": 16000})
        greeting = await candidate.wait_for(lambda m: m["type"] == "say", since=0)
        assert greeting["kind"] == "greeting"
    async with Candidate(url) as candidate:
        await candidate.send({"type": "start", "sample_rate": 16000})
        resumed = await candidate.wait_for(lambda m: m["type"] == "say", since=0)
        assert resumed["kind"] in ("question", "followup")
    async with httpx.AsyncClient(base_url=server.url) as http:
        assert (await http.get("/healthz")).status_code == 200


async def test_no_audio_is_kept_when_store_audio_is_off(speech, jfk_path, tmp_path):
    """VIVA_STORE_AUDIO=false: a spoken answer keeps its transcript and score, no recording."""
    from app.main import create_app
    from app.settings import Settings
    from tests.support import ServerThread

    settings = Settings(
        data_dir=tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'viva.db'}",
        store_audio=False,
    )
    with ServerThread(create_app(settings, speech=speech)) as running:
        interview_id = await new_interview(running)
        url = f"{running.ws_url}/api/v1/interviews/{interview_id}/ws"
        async with Candidate(url) as candidate:
            await candidate.send({"type": "start", "sample_rate": 16000})
            await candidate.wait_listening(since=0)
            before = len(candidate.messages)
            await candidate.stream(to_pcm16(decode_file(jfk_path)), realtime=False)
            await candidate.send({"type": "end_answer"})
            final = await candidate.wait_for(
                lambda m: m["type"] == "transcript" and m["final"], since=before
            )
            assert "country" in final["text"].lower()
            await candidate.wait_for(lambda m: m["type"] == "say", since=before)
        await asyncio.sleep(1.0)  # when kept, the recording is stored just after the reply
        answers = [
            t for t in await stored_turns(running, interview_id) if t["speaker"] == "candidate"
        ]
        assert len(answers) == 1 and answers[0]["score"] and answers[0]["audio_url"] is None
        async with httpx.AsyncClient(base_url=running.url) as http:
            summary = (await http.get("/api/v1/account")).json()
        assert summary["recordings"] == 0 and summary["store_audio"] is False
        rows = await sql(settings.sqlalchemy_url, "SELECT count(*) FROM answer_audio")
        assert rows[0][0] == 0
