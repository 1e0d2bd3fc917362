"""Scoring without voice over HTTP: text, a recording, and clear refusals."""

from __future__ import annotations

import httpx
import pytest

STRONG = (
    "last year our checkout service started timing out during a sale. i was on call and "
    "responsible for getting it back. i traced it to a missing index on the orders table, "
    "added the index and moved the report query to a replica. p99 latency dropped from two "
    "seconds to 150 milliseconds. i learned to load test before big sales and now we do it "
    "every quarter."
)


@pytest.fixture
async def http(server):
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        yield client


async def test_text_scores_are_deterministic_and_point_at_words(http):
    body = {"question_id": "behavioral.incident", "text": STRONG}
    first = await http.post("/api/v1/score", json=body)
    assert first.status_code == 200
    report = first.json()
    assert report == (await http.post("/api/v1/score", json=body)).json()
    assert report["question_id"] == "behavioral.incident" and report["overall"] >= 50
    assert set(report["star"]) >= {"situation", "task", "action", "result"}
    for criterion in report["criteria"]:
        for span in criterion["evidence"]:
            assert STRONG[span["start"] : span["end"]] == span["text"]


async def test_empty_and_one_word_answers_score_near_zero_with_a_reason(http):
    for text in ("", "fine"):
        report = (
            await http.post(
                "/api/v1/score", json={"question_id": "behavioral.failure", "text": text}
            )
        ).json()
        assert report["overall"] <= 20 and report["explanation"]


async def test_a_recording_is_transcribed_then_scored(http, jfk_path):
    response = await http.post(
        "/api/v1/score/recording",
        data={"question_id": "behavioral.tell-me-about-yourself"},
        files={"audio": ("jfk.flac", jfk_path.read_bytes(), "audio/flac")},
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert "ask not what your country can do for you" in report["transcript"].lower()
    assert report["words"] and report["delivery"]["words_per_minute"] > 0


async def test_refusals_are_clear(http):
    unknown = await http.post("/api/v1/score", json={"question_id": "nope", "text": "hello"})
    assert unknown.status_code == 404 and "nope" in unknown.json()["detail"]
    too_long = await http.post(
        "/api/v1/score", json={"question_id": "behavioral.failure", "text": "a" * 20_001}
    )
    assert too_long.status_code == 422
    not_audio = await http.post(
        "/api/v1/score/recording",
        data={"question_id": "behavioral.failure"},
        files={"audio": ("notes.txt", b"hello", "text/plain")},
    )
    assert not_audio.status_code == 415
    garbage = await http.post(
        "/api/v1/score/recording",
        data={"question_id": "behavioral.failure"},
        files={"audio": ("a.webm", b"\x00not audio at all" * 10, "audio/webm")},
    )
    assert garbage.status_code == 422 and garbage.json()["detail"]
