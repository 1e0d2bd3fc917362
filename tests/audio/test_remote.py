"""RemoteRecognizer: the OpenAI request it sends, how it reads answers, and how every failure
becomes RecognizerFailedError. The service is an httpx.MockTransport (pure request/response
logic), except for the refused connection, which is a real closed port. The real service, another
Viva process, is tested in tests/app/test_remote_asr.py."""

from __future__ import annotations

import io
import json
import socket
import wave
from collections.abc import Callable
from email.parser import BytesParser
from email.policy import default as email_policy
from typing import Any

import httpx
import numpy as np
import pytest

from audio.errors import RecognizerFailedError
from audio.recognizer import DISFLUENT_PROMPT_TAIL
from audio.remote import RemoteRecognizer, parse_transcription, transcriptions_url

URL = "http://asr.internal:9000"
ENDPOINT = f"{URL}/v1/audio/transcriptions"
ONE_SECOND = np.linspace(-0.5, 0.5, 16_000, dtype=np.float32)
VERBOSE = {
    "task": "transcribe",
    "language": "english",
    "duration": 1.0,
    "text": " Ask not  what your country can do. ",
    "words": [
        {"word": " Ask", "start": 0.0, "end": 0.2, "probability": 0.9},
        {"word": "not", "start": 0.2, "end": 0.4},
        {"word": "what", "start": 0.4, "end": 1.7},
    ],
}


def answering(
    *responses: httpx.Response | Exception,
) -> tuple[Callable[..., RemoteRecognizer], list[httpx.Request]]:
    """A recognizer whose service gives `responses` in turn; the requests it got are kept."""
    requests: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        reply = responses[min(len(requests), len(responses)) - 1]
        if isinstance(reply, Exception):
            raise reply
        return reply

    def make(**options: Any) -> RemoteRecognizer:
        return RemoteRecognizer(URL, transport=httpx.MockTransport(handle), **options)

    return make, requests


def form_parts(request: httpx.Request) -> dict[str, list[tuple[bytes, str | None]]]:
    """The multipart fields of a request: name → [(content, filename)]."""
    head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
    message = BytesParser(policy=email_policy).parsebytes(head + request.read())
    parts: dict[str, list[tuple[bytes, str | None]]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        parts.setdefault(str(name), []).append((payload, part.get_filename()))
    return parts


@pytest.mark.parametrize("base", [URL, URL + "/", URL + "/v1", URL + "/v1/", " " + URL + "/v1 "])
def test_the_endpoint_is_found_with_or_without_v1(base: str) -> None:
    assert transcriptions_url(base) == ENDPOINT


def test_a_url_without_a_scheme_is_refused_at_startup() -> None:
    with pytest.raises(ValueError, match="http://"):
        transcriptions_url("asr.internal:9000")


def test_the_request_is_openais_with_wav_prompt_and_word_timestamps() -> None:
    make, requests = answering(httpx.Response(200, json=VERBOSE))
    recognizer = make(api_key="sekrit", model="Systran/faster-whisper-small.en")
    recognizer.transcribe(ONE_SECOND, "How would you retry? Key terms: idempotency")

    (request,) = requests
    assert request.method == "POST" and str(request.url) == ENDPOINT
    assert request.headers["authorization"] == "Bearer sekrit"
    parts = form_parts(request)
    fields = {
        name: [value.decode() for value, _ in values]
        for name, values in parts.items()
        if name != "file"
    }
    assert fields["model"] == ["Systran/faster-whisper-small.en"]
    assert fields["language"] == ["en"]
    assert fields["response_format"] == ["verbose_json"]
    assert fields["timestamp_granularities[]"] == ["word", "segment"]
    assert fields["prompt"] == [
        f"How would you retry? Key terms: idempotency {DISFLUENT_PROMPT_TAIL}"
    ]
    ((wav, filename),) = parts["file"]
    assert filename == "audio.wav"
    with wave.open(io.BytesIO(wav)) as audio:
        assert (audio.getframerate(), audio.getnchannels(), audio.getsampwidth()) == (16_000, 1, 2)
        samples = np.frombuffer(audio.readframes(audio.getnframes()), "<i2")
    np.testing.assert_allclose(samples / 32768, ONE_SECOND, atol=1 / 32768)


def test_without_a_key_no_authorization_is_sent() -> None:
    make, requests = answering(httpx.Response(200, json=VERBOSE))
    make().transcribe(ONE_SECOND)
    assert "authorization" not in requests[0].headers


def test_words_are_read_with_probability_one_when_absent_and_times_clamped() -> None:
    make, _ = answering(httpx.Response(200, json=VERBOSE))
    transcript = make().transcribe(ONE_SECOND)
    assert transcript.text == "Ask not what your country can do."
    assert [(w.text, w.start, w.end, w.probability) for w in transcript.words] == [
        ("Ask", 0.0, 0.2, 0.9),
        ("not", 0.2, 0.4, 1.0),
        ("what", 0.4, 1.0, 1.0),  # 1.7 s is past the end of one second of audio
    ]
    assert transcript.audio_seconds == 1.0
    assert transcript.compute_seconds > 0


def test_words_nested_in_segments_are_read_when_there_is_no_top_level_list() -> None:
    body = {
        "text": "Ask not.",
        "segments": [{"text": "Ask not.", "words": [{"word": "Ask", "start": 0.1, "end": 0.3}]}],
    }
    transcript = parse_transcription(json.dumps(body).encode(), 1.0, 0.1)
    assert [(w.text, w.start) for w in transcript.words] == [("Ask", 0.1)]


def test_a_plain_json_answer_gives_text_without_words() -> None:
    transcript = parse_transcription(b'{"text": "Ask not."}', 1.0, 0.1)
    assert (transcript.text, transcript.words) == ("Ask not.", [])


def test_audio_too_short_for_a_word_is_not_sent() -> None:
    make, requests = answering(httpx.Response(200, json=VERBOSE))
    transcript = make().transcribe(np.zeros(800, dtype=np.float32))
    assert (transcript.text, transcript.words, requests) == ("", [], [])


def test_a_connection_error_is_retried_once() -> None:
    make, requests = answering(httpx.ConnectError("refused"), httpx.Response(200, json=VERBOSE))
    assert make().transcribe(ONE_SECOND).text.startswith("Ask not")
    assert len(requests) == 2


def test_a_service_still_unreachable_after_the_retry_fails_naming_url_and_cause() -> None:
    make, requests = answering(httpx.ConnectError("[Errno 111] Connection refused"))
    with pytest.raises(RecognizerFailedError) as failure:
        make().transcribe(ONE_SECOND)
    assert len(requests) == 2
    assert ENDPOINT in str(failure.value) and "Connection refused" in str(failure.value)


def test_a_timeout_fails_at_once_naming_the_limit() -> None:
    make, requests = answering(httpx.ReadTimeout("timed out"))
    with pytest.raises(RecognizerFailedError, match=r"did not answer within 7\.5 s"):
        make(timeout_s=7.5).transcribe(ONE_SECOND)
    assert len(requests) == 1  # the service may still be working: not sent twice


@pytest.mark.parametrize(
    ("reply", "says"),
    [
        (
            httpx.Response(500, json={"error": {"message": "CUDA out of memory", "type": "x"}}),
            "500 Internal Server Error: CUDA out of memory",
        ),
        (
            httpx.Response(401, json={"error": {"message": "Incorrect API key"}}),
            "401 Unauthorized: Incorrect API key (check VIVA_ASR_API_KEY)",
        ),
        (httpx.Response(404, json={"detail": "Not Found"}), "404 Not Found: Not Found"),
        (httpx.Response(502, text="<html>bad gateway</html>"), "502 Bad Gateway: <html>"),
        (httpx.Response(200, text="Ask not"), "unreadable answer: the answer is not JSON"),
        (httpx.Response(200, json={"words": []}), "unreadable answer: the answer has no text"),
        (
            httpx.Response(200, json={"text": "a", "words": [{"word": "a"}]}),
            "a word lacks word/start/end",
        ),
    ],
)
def test_an_error_answer_fails_with_status_and_the_services_message(
    reply: httpx.Response, says: str
) -> None:
    make, requests = answering(reply)
    with pytest.raises(RecognizerFailedError) as failure:
        make().transcribe(ONE_SECOND)
    assert str(failure.value).startswith(f"speech recognition at {ENDPOINT} ")
    assert says in str(failure.value)
    assert len(requests) == 1


def test_a_refused_connection_on_a_real_closed_port_fails_cleanly() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    recognizer = RemoteRecognizer(f"http://127.0.0.1:{port}/v1", timeout_s=5)
    try:
        with pytest.raises(RecognizerFailedError, match=r"unreachable .*tried twice"):
            recognizer.transcribe(ONE_SECOND)
    finally:
        recognizer.close()


def by_length(request: httpx.Request) -> httpx.Response:
    """A service that answers with the number of samples it got; 3 s of audio is an error."""
    ((wav, _),) = form_parts(request)["file"]
    with wave.open(io.BytesIO(wav)) as audio:
        frames = audio.getnframes()
    if frames == 48_000:
        return httpx.Response(503, json={"error": {"message": "overloaded"}})
    return httpx.Response(200, json={"text": f"{frames} samples", "words": []})


def test_a_batch_comes_back_in_order_and_fails_when_one_call_fails() -> None:
    recognizer = RemoteRecognizer(URL, transport=httpx.MockTransport(by_length))
    lengths = [16_000, 32_000, 8_000, 24_000]
    batch = [(np.zeros(n, dtype=np.float32), f"context {n}") for n in lengths]
    assert [t.text for t in recognizer.transcribe_batch(batch)] == [f"{n} samples" for n in lengths]
    assert [t.text for t in recognizer.transcribe_batch(batch[:1])] == ["16000 samples"]
    with pytest.raises(RecognizerFailedError, match="503 Service Unavailable: overloaded"):
        recognizer.transcribe_batch([*batch, (np.zeros(48_000, dtype=np.float32), "")])
