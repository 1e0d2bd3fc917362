"""Speech recognition on another machine: an OpenAI-compatible transcription service (another
Viva node, speaches, vLLM, OpenAI itself) behind the interface of audio.recognizer.Recognizer.

The request is OpenAI's `POST /v1/audio/transcriptions` with `response_format=verbose_json`
and word timestamps; every failure raises RecognizerFailedError naming the service and the
cause, so the caller has one thing to catch.
"""

from __future__ import annotations

import io
import json
import logging
import time
import wave
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import numpy as np
import numpy.typing as npt

from audio.codecs import float_to_pcm16
from audio.errors import RecognizerFailedError
from audio.recognizer import MIN_AUDIO_SECONDS, SAMPLE_RATE, Transcript, Word, build_prompt

log = logging.getLogger("viva.audio.remote")

DEFAULT_MODEL = "whisper-1"
ENDPOINT_PATH = "/v1/audio/transcriptions"
# How much of an error answer goes into the exception's message.
ERROR_DETAIL_CHARS = 300
# A pooled keep-alive connection the server closed between two calls fails like these; the
# request never reached the service, so sending it again is safe. Timeouts are not retried:
# the service may still be working on the first request.
RETRIED_ERRORS = (httpx.ConnectError, httpx.RemoteProtocolError)
# Calls of one batch in flight at once; the service queues (or batches) them itself.
MAX_CONCURRENT_CALLS = 8


def transcriptions_url(base_url: str) -> str:
    """The endpoint under a service's base URL, given with or without a trailing /v1."""
    base = base_url.strip().rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise ValueError(f"speech recognition URL {base_url!r} must start with http:// or https://")
    return base.removesuffix("/v1") + ENDPOINT_PATH


def wav_bytes(pcm_float: npt.ArrayLike) -> bytes:
    """16 kHz mono PCM16 WAV of float samples in [-1, 1]."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(float_to_pcm16(pcm_float))
    return buffer.getvalue()


def request_fields(context: str, model: str) -> dict[str, str | list[str]]:
    """The form fields beside the audio file."""
    return {
        "model": model,
        "language": "en",
        "prompt": build_prompt(context),
        "response_format": "verbose_json",
        "timestamp_granularities[]": ["word", "segment"],
    }


def parse_transcription(body: bytes, audio_seconds: float, compute_seconds: float) -> Transcript:
    """A verbose_json answer to a Transcript. Raises ValueError naming what is wrong.

    Words come from the top-level `words` (OpenAI), else from each segment's `words` (some
    servers nest them); a missing `probability` counts as 1.0. Times are clamped to the audio.
    """
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"the answer is not JSON ({error})") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("text"), str):
        raise ValueError("the answer has no text")
    raw_words = payload.get("words")
    if raw_words is None:
        segments = payload.get("segments") or []
        if not isinstance(segments, list):
            raise ValueError("segments is not a list")
        raw_words = [
            word
            for segment in segments
            if isinstance(segment, dict)
            for word in segment.get("words") or []
        ]
    if not isinstance(raw_words, list):
        raise ValueError("words is not a list")
    words = [_word(raw, audio_seconds) for raw in raw_words]
    return Transcript(
        text=" ".join(payload["text"].split()),
        words=[word for word in words if word.text],
        audio_seconds=audio_seconds,
        compute_seconds=compute_seconds,
    )


def _word(raw: Any, audio_seconds: float) -> Word:
    if not isinstance(raw, dict):
        raise ValueError(f"a word is not an object: {raw!r:.80}")
    try:
        text = raw["word"]
        start, end = float(raw["start"]), float(raw["end"])
        probability = float(raw.get("probability", 1.0))
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"a word lacks word/start/end: {raw!r:.80}") from None
    if not isinstance(text, str) or not (np.isfinite(start) and np.isfinite(end)):
        raise ValueError(f"a word is malformed: {raw!r:.80}")
    return Word(
        text=text.strip(),
        start=min(max(start, 0.0), audio_seconds),
        end=min(max(end, 0.0), audio_seconds),
        probability=probability,
    )


def error_detail(response: httpx.Response) -> str:
    """What an error answer says: OpenAI's error.message, FastAPI's detail, or the text."""
    detail: Any = None
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if isinstance(payload, dict):
        error = payload.get("error")
        detail = error.get("message") if isinstance(error, dict) else error
        detail = detail or payload.get("detail")
    text = str(detail) if detail else response.text.strip()
    hint = " (check VIVA_ASR_API_KEY)" if response.status_code in (401, 403) else ""
    reason = f"{response.status_code} {response.reason_phrase}".strip()
    return f"answered {reason}: {text[:ERROR_DETAIL_CHARS] or 'no detail'}{hint}"


class RemoteRecognizer:
    """Transcribes through an OpenAI-compatible service. `transcribe` blocks (it runs in the
    ASR executor); the HTTP client is kept open between calls until `close`."""

    def __init__(
        self,
        url: str,
        *,
        api_key: str | None = None,
        model: str = DEFAULT_MODEL,
        timeout_s: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = transcriptions_url(url)
        self.model = model
        self.model_id = f"{model} (remote)"
        self.timeout_s = timeout_s
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(
            headers=headers, timeout=httpx.Timeout(timeout_s), transport=transport
        )

    def transcribe(self, pcm_float: npt.ArrayLike, context: str = "") -> Transcript:
        """Transcribe 16 kHz mono float audio; `context` is the question text and key terms.

        Raises RecognizerFailedError on any failure.
        """
        audio = np.ascontiguousarray(pcm_float, dtype=np.float32).reshape(-1)
        audio_seconds = audio.size / SAMPLE_RATE
        if audio_seconds < MIN_AUDIO_SECONDS:
            return Transcript(text="", words=[], audio_seconds=audio_seconds, compute_seconds=0.0)
        wav = wav_bytes(audio)
        fields = request_fields(context, self.model)
        started = time.perf_counter()
        response = self._post(wav, fields)
        compute_seconds = time.perf_counter() - started
        if not response.is_success:
            raise self._failed(error_detail(response))
        try:
            return parse_transcription(response.content, audio_seconds, compute_seconds)
        except ValueError as error:
            raise self._failed(f"gave an unreadable answer: {error}") from None

    def transcribe_batch(self, items: Sequence[tuple[npt.ArrayLike, str]]) -> list[Transcript]:
        """Several (audio, context) at once, as Recognizer.transcribe_batch: the calls go out
        together, so a service that batches (another Viva) can. Raises RecognizerFailedError
        when any of them fails."""
        if len(items) <= 1:
            return [self.transcribe(pcm, context) for pcm, context in items]
        workers = min(len(items), MAX_CONCURRENT_CALLS)
        with ThreadPoolExecutor(workers, thread_name_prefix="viva-asr-remote") as pool:
            calls = [pool.submit(self.transcribe, pcm, context) for pcm, context in items]
            return [call.result() for call in calls]

    def _post(self, wav: bytes, fields: dict[str, str | list[str]]) -> httpx.Response:
        for attempt in (1, 2):
            try:
                return self._client.post(
                    self.url, data=fields, files={"file": ("audio.wav", wav, "audio/wav")}
                )
            except RETRIED_ERRORS as error:
                if attempt == 2:
                    raise self._failed(f"is unreachable ({_cause(error)}; tried twice)") from None
                log.warning("speech recognition at %s: %s; trying once more", self.url, error)
            except httpx.TimeoutException:
                raise self._failed(f"did not answer within {self.timeout_s:g} s") from None
            except httpx.HTTPError as error:
                raise self._failed(f"failed ({_cause(error)})") from None
        raise AssertionError("unreachable")

    def _failed(self, cause: str) -> RecognizerFailedError:
        return RecognizerFailedError(f"speech recognition at {self.url} {cause}")

    def close(self) -> None:
        self._client.close()


def _cause(error: Exception) -> str:
    return str(error) or type(error).__name__
