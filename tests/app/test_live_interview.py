"""The spoken interview over a real WebSocket, with the real models and a real database."""

from __future__ import annotations

import asyncio
import re
import time

import httpx
import numpy as np
import pytest

from app.candidate import Candidate, to_pcm16
from audio.codecs import decode_file, resample
from tests.support import heard_jfk_line

pytestmark = pytest.mark.slow


def words(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text.lower()).split())


def silence(seconds: float) -> bytes:
    return bytes(int(16_000 * seconds) * 2)


async def new_interview(server, **body) -> str:
    payload = {"role": "backend-engineer", "round": "behavioral", "questions": 2, **body}
    async with httpx.AsyncClient(base_url=server.url) as http:
        response = await http.post("/api/v1/interviews", json=payload)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def stored(server, interview_id: str) -> dict:
    async with httpx.AsyncClient(base_url=server.url) as http:
        response = await http.get(f"/api/v1/interviews/{interview_id}")
    assert response.status_code == 200
    return response.json()


def ws_url(server, interview_id: str) -> str:
    return f"{server.ws_url}/api/v1/interviews/{interview_id}/ws"


async def test_real_speech_answer_is_captioned_transcribed_and_stored(server, jfk_path):
    interview_id = await new_interview(server)
    async with Candidate(ws_url(server, interview_id)) as candidate:
        await candidate.send({"type": "start", "sample_rate": 16000})
        await candidate.wait_listening(since=0)
        kinds = [m["kind"] for m in candidate.said()]
        assert kinds == ["greeting", "question"]
        assert candidate.audio_bytes > 22_050 * 2 * 3  # seconds of the interviewer's voice

        before = len(candidate.messages)
        await candidate.stream(to_pcm16(decode_file(jfk_path)) + silence(0.4))
        candidate.mark("done")
        await candidate.send({"type": "end_answer"})
        final = await candidate.wait_for(
            lambda m: m["type"] == "transcript" and m["final"], since=before
        )
        assert heard_jfk_line(final["text"]), final["text"]
        partials = [
            m for m in candidate.messages[before:] if m["type"] == "transcript" and not m["final"]
        ]
        assert partials, "live captions arrived while speaking"
        assert "fellow americans" in words(partials[-1]["text"])
        after = await candidate.wait_for(
            lambda m: m["type"] == "say" and m["kind"] in ("followup", "question"), since=before
        )
        assert after["text"]
        assert "done" in candidate.first_audio_after  # a reply was voiced

    for _ in range(50):  # the recording is committed just after the reply starts
        interview = await stored(server, interview_id)
        answers = [t for t in interview["turns"] if t["speaker"] == "candidate"]
        if answers and answers[0]["audio_url"]:
            break
        await asyncio.sleep(0.1)
    assert len(answers) == 1
    answer = answers[0]
    assert heard_jfk_line(answer["text"]), answer["text"]
    assert answer["partial"] is False
    assert answer["words"] and answer["words"][0]["start"] < answer["words"][-1]["end"]
    assert answer["audio_url"]
    speakers = [t["speaker"] for t in interview["turns"]]
    # interviewer: greeting, question; candidate answer; interviewer: acknowledgement, next prompt
    assert speakers[:3] == ["interviewer", "interviewer", "candidate"]
    async with httpx.AsyncClient(base_url=server.url) as http:
        audio = await http.get(answer["audio_url"])
    assert audio.status_code == 200 and audio.headers["content-type"].startswith("audio/")
    assert abs(len(decode_file(audio.content)) / 16_000 - 11.4) < 0.5


async def test_thinking_pause_is_not_cut_off_and_patient_silence_ends(server, jfk_path):
    jfk = to_pcm16(decode_file(jfk_path))
    # Two phrases cut at their edges (VAD: speech at 0.3-2.2 s and 5.9-8.1 s): with 2.5 s of
    # thinking between them the pause is 2.7 s, under the 3 s that ends an answer.
    first, second = jfk[: int(32_000 * 2.3)], jfk[int(32_000 * 5.8) : int(32_000 * 8.2)]
    interview_id = await new_interview(server, questions=1)
    async with Candidate(ws_url(server, interview_id)) as candidate:
        await candidate.send({"type": "start"})
        await candidate.wait_listening(since=0)
        before = len(candidate.messages)
        # speak, think for 2.5 s, speak again, then fall silent
        await candidate.stream(first + silence(2.5) + second)
        await asyncio.sleep(0.3)  # the server has taken in everything sent
        states = [m.get("state") for m in candidate.messages[before:] if m["type"] == "state"]
        assert "processing" not in states, "the thinking pause ended the answer"
        sent_silence = 0.0
        while not any(m.get("state") == "processing" for m in candidate.messages[before:]):
            await candidate.stream(silence(0.04))
            sent_silence += 0.04
            assert sent_silence < 6, "a patient silence did not end the answer"
        # 3 s from the last speech, which the VAD places ~0.5 s before the clip's end
        assert sent_silence >= 2.0
        final = await candidate.wait_for(
            lambda m: m["type"] == "transcript" and m["final"], since=before
        )
    text = words(final["text"])
    assert "fellow americans" in text, text
    assert "country can do for you" in text.split("americans", 1)[1], text


async def test_domain_terms_come_out_right_with_question_context(server, speech):
    text = (
        "Every client sends an idempotency key with the payment request. "
        "We store the idempotency key in Postgres with a unique index, "
        "so a retry returns the stored response instead of charging twice."
    )
    synth = speech.synthesizer
    voice = np.frombuffer(synth.synthesize(text), dtype="<i2").astype(np.float32) / 32768
    answer = to_pcm16(resample(voice, synth.sample_rate, 16_000))
    interview_id = await new_interview(
        server, round="technical", questions=1, question_ids=["backend.idempotent-apis"]
    )
    async with Candidate(ws_url(server, interview_id)) as candidate:
        await candidate.send({"type": "start"})
        await candidate.wait_listening(since=0)
        assert candidate.said("question")[0]["question_id"] == "backend.idempotent-apis"
        before = len(candidate.messages)
        await candidate.stream(answer + silence(0.3))
        await candidate.send({"type": "end_answer"})
        final = await candidate.wait_for(
            lambda m: m["type"] == "transcript" and m["final"], since=before
        )
    heard = words(final["text"])
    assert "idempotency key" in heard
    assert "postgres" in heard


async def test_bad_messages_get_stable_error_codes_and_the_session_goes_on(server):
    interview_id = await new_interview(server, questions=1)
    async with Candidate(ws_url(server, interview_id)) as candidate:
        await candidate.send_raw("{not json")
        await candidate.send({"type": "dance"})
        await candidate.send_raw(b"\x01\x02\x03")
        await candidate.send_raw(bytes(200_000))
        await candidate.send({"type": "end_answer"})
        await candidate.send({"type": "start", "sample_rate": 44100})
        await candidate.send({"type": "text_answer", "text": ""})
        await candidate.send({"type": "start"})
        await candidate.wait_listening(since=0)
        codes = [m["code"] for m in candidate.messages if m["type"] == "error"]
        assert codes == [
            "bad_json",
            "unknown_type",
            "bad_audio_frame",
            "frame_too_large",
            "not_listening",
            "unsupported_sample_rate",
            "bad_text",
        ]
        # typed answers work too, and the last one closes the interview
        before = len(candidate.messages)
        long_answer = "I would use a queue because the work is slow and retryable. " * 8
        await candidate.send({"type": "text_answer", "text": long_answer})
        await candidate.wait_for(lambda m: m["type"] == "transcript" and m["final"], since=before)
        nxt = await candidate.wait_for(lambda m: m["type"] == "say", since=before)
        assert nxt["kind"] in ("acknowledgement", "followup", "closing")


async def test_dropped_connection_keeps_the_partial_answer(server, jfk_path):
    interview_id = await new_interview(server, questions=1)
    async with Candidate(ws_url(server, interview_id)) as candidate:
        await candidate.send({"type": "start"})
        await candidate.wait_listening(since=0)
        await candidate.stream(to_pcm16(decode_file(jfk_path))[: 16_000 * 2 * 5])
    # the socket is closed; the server finishes what it heard
    for _ in range(100):
        interview = await stored(server, interview_id)
        answers = [t for t in interview["turns"] if t["speaker"] == "candidate"]
        if answers:
            break
        await asyncio.sleep(0.2)
    assert answers and answers[0]["partial"] is True
    assert "fellow americans" in words(answers[0]["text"])


async def test_talking_over_the_question_stops_it_and_keeps_the_first_words(server, jfk_path):
    interview_id = await new_interview(
        server, round="technical", questions=1, question_ids=["backend.idempotent-payments"]
    )
    async with Candidate(ws_url(server, interview_id)) as candidate:
        await candidate.send({"type": "start"})
        await candidate.wait_for(lambda m: m["type"] == "say" and m["kind"] == "question", since=0)
        question_index = candidate.last_index
        await candidate.wait_for(lambda m: m["type"] == "say_end", since=question_index)
        rate = candidate.said("question")[0]["sample_rate"]
        audio_at = [
            candidate.received_at[i]
            for i, m in enumerate(candidate.messages)
            if m["type"] == "_audio"
        ]
        greeting_s = sum(
            m["bytes"] for m in candidate.messages[:question_index] if m["type"] == "_audio"
        ) / (2 * rate)
        total_s = candidate.audio_bytes / (2 * rate)
        question_s = total_s - greeting_s
        assert question_s > 2.5  # long enough to tell a barge-in from its natural end
        playback_start = audio_at[0]
        question_starts = playback_start + greeting_s
        # wait for the question itself to be playing, then talk over it
        await asyncio.sleep(max(0.0, question_starts + 0.3 - time.perf_counter()))
        before = len(candidate.messages)
        talking = asyncio.create_task(candidate.stream(to_pcm16(decode_file(jfk_path))))
        await candidate.wait_listening(since=before, timeout=10)
        heard_listening = time.perf_counter()
        assert heard_listening < question_starts + question_s, "playback was cut short"
        await talking
        await candidate.send({"type": "end_answer"})
        final = await candidate.wait_for(
            lambda m: m["type"] == "transcript" and m["final"], since=before
        )
    assert "fellow americans" in words(final["text"])


async def test_reconnecting_resumes_at_the_current_prompt(server):
    interview_id = await new_interview(server, questions=2)
    answer = "I led the migration of our billing service and I cut costs by 30 percent. " * 3
    async with Candidate(ws_url(server, interview_id)) as candidate:
        await candidate.send({"type": "start"})
        await candidate.wait_listening(since=0)
        before = len(candidate.messages)
        await candidate.send({"type": "text_answer", "text": answer})
        asked = await candidate.wait_for(
            lambda m: m["type"] == "say" and m["kind"] in ("followup", "question"), since=before
        )
        await candidate.wait_for(lambda m: m["type"] == "say_end", since=candidate.last_index)
    # the page reloads: a new connection to the same interview
    async with Candidate(ws_url(server, interview_id)) as candidate:
        await candidate.send({"type": "start"})
        await candidate.wait_listening(since=0)
        said = candidate.said()
        assert [m["kind"] for m in said] == [asked["kind"]]  # no second greeting
        assert said[0]["text"] == asked["text"]
    interview = await stored(server, interview_id)
    answers = [t for t in interview["turns"] if t["speaker"] == "candidate"]
    assert [a["text"] for a in answers] == [answer.strip()]  # nothing lost, nothing doubled
    prompts = [t["text"] for t in interview["turns"] if t["kind"] == asked["kind"]]
    assert prompts == [asked["text"]], "the prompt asked again on resuming is stored once"


async def test_the_interviewers_own_voice_is_never_the_answer(server, jfk_path):
    """No echo cancellation: the question comes back into the microphone while it plays."""
    interview_id = await new_interview(
        server, round="technical", questions=1, question_ids=["backend.idempotent-payments"]
    )
    async with Candidate(ws_url(server, interview_id)) as candidate:
        await candidate.send({"type": "start"})
        question = await candidate.wait_for(
            lambda m: m["type"] == "say" and m["kind"] == "question", since=0
        )
        question_index = candidate.last_index
        await candidate.wait_for(lambda m: m["type"] == "say_end", since=question_index)
        rate = question["sample_rate"]
        greeting_bytes = sum(
            m["bytes"] for m in candidate.messages[:question_index] if m["type"] == "_audio"
        )
        voice = np.frombuffer(bytes(candidate.audio[greeting_bytes:]), "<i2").astype(np.float32)
        echo = to_pcm16(0.6 * resample(voice / 32768, rate, 16_000))
        first_audio = next(
            candidate.received_at[i]
            for i, m in enumerate(candidate.messages)
            if m["type"] == "_audio"
        )
        await asyncio.sleep(max(0.0, first_audio + greeting_bytes / 2 / rate - time.perf_counter()))
        before = len(candidate.messages)
        await candidate.stream(echo + silence(1.0) + to_pcm16(decode_file(jfk_path)))
        await candidate.send({"type": "end_answer"})
        final = await candidate.wait_for(
            lambda m: m["type"] == "transcript" and m["final"], since=before
        )
    heard = words(final["text"])
    assert "fellow americans" in heard
    assert "idempotent payment" not in heard and "design an api" not in heard
