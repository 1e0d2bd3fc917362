"""Speech recognition for others: OpenAI's `POST /v1/audio/transcriptions`, so one Viva node
recognizes for the nodes that name it in VIVA_ASR_URL, and any OpenAI client can call it.

Calls queue on this node's recognizer thread with its live interviews (`Speech.run_asr`).
Who may call is decided before the upload is read: with VIVA_ASR_SERVE_KEY set, callers send
it as a bearer key; without one the endpoint answers only in local mode (loopback, like every
other endpoint there). Errors have OpenAI's shape: `{"error": {"message", "type", "param",
"code"}}`.
"""

from __future__ import annotations

import asyncio
import hmac
import math
import zlib
from collections.abc import Callable, Coroutine, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.routing import APIRoute
from fastapi.security import HTTPBearer

from app.auth import limits
from app.settings import Settings
from audio.codecs import decode_file
from audio.errors import AudioFormatError, RecognizerFailedError
from audio.recognizer import DISFLUENT_PROMPT_TAIL, SAMPLE_RATE, Transcript, Word

PATH = "/v1/audio/transcriptions"
# The body limit of app/security.py's upload paths (20 MB and multipart framing) bounds the
# request first; OpenAI allows 25 MB.
MAX_FILE_BYTES = 20 << 20
MAX_AUDIO_S = 600  # as recordings sent for scoring: one call holds the recognizer thread
MAX_PROMPT_CHARS = 4_000
RESPONSE_FORMATS = ("json", "text", "verbose_json")
GRANULARITIES = ("word", "segment")
SENTENCE_ENDS = (".", "?", "!")


class ApiError(Exception):
    """An answer in OpenAI's error shape."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str,
        *,
        param: str | None = None,
        type: str = "invalid_request_error",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code
        self.param, self.type, self.headers = param, type, headers

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)


def caller_refusal(settings: Settings, authorization: str | None) -> ApiError | None:
    """Whether this caller may transcribe here (None: yes)."""
    key = settings.asr_serve_key
    if key:
        scheme, _, token = (authorization or "").strip().partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), key.encode()):
            return None
        return ApiError(
            401,
            "Send this node's transcription key as 'Authorization: Bearer <key>' "
            "(its VIVA_ASR_SERVE_KEY).",
            "invalid_api_key",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if settings.auth == "accounts":
        return ApiError(
            403,
            "This node transcribes for others only with a key: set VIVA_ASR_SERVE_KEY on it.",
            "transcriptions_disabled",
            type="permission_error",
        )
    return None


def request_refusal(
    language: str | None, response_format: str, granularities: Sequence[str]
) -> ApiError | None:
    """The request's options, checked before its audio is read."""
    if language is not None and language.strip().lower() not in ("", "en"):
        return ApiError(
            400,
            f"Language {language!r} is not supported: this recognizer knows English ('en') only.",
            "unsupported_language",
            param="language",
        )
    if response_format not in RESPONSE_FORMATS:
        return ApiError(
            400,
            f"response_format {response_format!r} is not supported; use one of "
            f"{', '.join(RESPONSE_FORMATS)}.",
            "unsupported_response_format",
            param="response_format",
        )
    unknown = [g for g in granularities if g not in GRANULARITIES]
    if unknown:
        return ApiError(
            400,
            f"timestamp_granularities[] {unknown[0]!r} is not one of {', '.join(GRANULARITIES)}.",
            "invalid_value",
            param="timestamp_granularities[]",
        )
    return None


def recognizer_context(prompt: str) -> str:
    """The recognizer's context from an OpenAI prompt. Another Viva node's prompt already ends
    with the disfluent tail the recognizer appends itself; it is taken off so it is not doubled."""
    return prompt.strip().removesuffix(DISFLUENT_PROMPT_TAIL).strip()


def openai_answer(
    transcript: Transcript, response_format: str, granularities: Sequence[str], model_id: str
) -> dict[str, Any] | str:
    """The body of a successful answer: `text`, OpenAI's `json`, or its `verbose_json`."""
    if response_format == "text":
        return transcript.text + "\n"
    if response_format == "json":
        return {"text": transcript.text}
    answer: dict[str, Any] = {
        "task": "transcribe",
        "language": "english",
        "duration": round(transcript.audio_seconds, 3),
        "text": transcript.text,
        "model": model_id,
    }
    # As OpenAI: segments by default, words only when asked for.
    if "segment" in granularities or not granularities:
        answer["segments"] = segments_from_words(
            transcript.words, transcript.text, transcript.audio_seconds
        )
    if "word" in granularities:
        answer["words"] = [
            {
                "word": word.text,
                "start": round(word.start, 3),
                "end": round(word.end, 3),
                "probability": round(word.probability, 4),
            }
            for word in transcript.words
        ]
    return answer


def segments_from_words(words: Sequence[Word], text: str, duration: float) -> list[dict[str, Any]]:
    """OpenAI-shaped segments, one per sentence of the recognized words.

    The recognizer keeps words, not Whisper's segments: a segment ends after a word ending a
    sentence. Tokens are not kept (empty); no_speech_prob is unknown (0).
    """
    if not words:
        return [_segment(0, 0.0, duration, text, [])] if text else []
    groups: list[list[Word]] = [[]]
    for word in words:
        groups[-1].append(word)
        if word.text.endswith(SENTENCE_ENDS):
            groups.append([])
    groups = [group for group in groups if group]
    return [
        _segment(index, group[0].start, group[-1].end, " ".join(w.text for w in group), group)
        for index, group in enumerate(groups)
    ]


def _segment(
    index: int, start: float, end: float, text: str, words: Sequence[Word]
) -> dict[str, Any]:
    encoded = text.encode()
    logprobs = [math.log(max(word.probability, 1e-6)) for word in words]
    return {
        "id": index,
        "seek": 0,
        "start": round(start, 3),
        "end": round(end, 3),
        "text": text,
        "tokens": [],
        "temperature": 0.0,
        "avg_logprob": round(sum(logprobs) / len(logprobs), 4) if logprobs else 0.0,
        # Whisper's measure of repetition: how well the text compresses.
        "compression_ratio": round(len(encoded) / len(zlib.compress(encoded)), 4)
        if encoded
        else 0.0,
        "no_speech_prob": 0.0,
    }


async def _admit(request: Request) -> None:
    """Key and rate limit, before the upload is read."""
    settings: Settings = request.app.state.settings
    refusal = caller_refusal(settings, request.headers.get("authorization"))
    if refusal is not None:
        raise refusal
    if settings.rate_limits_on:
        address = limits.client_address(request)
        await limits.enforce(
            request, [(f"transcriptions:address:{address}", settings.rate_transcriptions)]
        )


class OpenAIRoute(APIRoute):
    """Admits the caller before FastAPI reads the body, and answers every refusal, FastAPI's
    validation errors included, in OpenAI's error shape."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                await _admit(request)
                return await handler(request)
            except ApiError as error:
                return error.response()
            except RequestValidationError as error:
                return _validation_error(error).response()
            except HTTPException as error:
                return _http_error(error).response()

        return handle


def _validation_error(error: RequestValidationError) -> ApiError:
    first: dict[str, Any] = next(iter(error.errors()), {})
    location = [str(part) for part in first.get("loc", ()) if part != "body"]
    param = location[0] if location else None
    message = str(first.get("msg", "invalid request"))
    return ApiError(
        400, f"{param}: {message}" if param else message, "invalid_request", param=param
    )


def _http_error(error: HTTPException) -> ApiError:
    if error.status_code == 429:
        kind, code = "rate_limit_error", "rate_limit_exceeded"
    elif error.status_code >= 500:
        kind, code = "server_error", "unavailable"
    else:
        kind, code = "invalid_request_error", "refused"
    return ApiError(
        error.status_code,
        str(error.detail),
        code,
        type=kind,
        headers=dict(error.headers) if error.headers else None,
    )


router = APIRouter(prefix="/v1/audio", tags=["transcriptions"], route_class=OpenAIRoute)
# Documents the bearer key in the OpenAPI document; the key is checked by OpenAIRoute.
_bearer = HTTPBearer(auto_error=False, description="this node's VIVA_ASR_SERVE_KEY, when set")


@router.post(
    "/transcriptions",
    dependencies=[Depends(_bearer)],
    response_model=None,
    responses={
        200: {"description": "the transcript: JSON (json, verbose_json) or plain text (text)"},
        400: {"description": "unreadable audio, an unsupported language or option"},
        401: {"description": "the bearer key is missing or wrong"},
        403: {"description": "accounts mode without VIVA_ASR_SERVE_KEY: not served"},
        413: {"description": "the file is over 20 MB"},
        502: {"description": "this node's own remote recognizer failed"},
    },
)
async def create_transcription(
    request: Request,
    file: Annotated[UploadFile, File(description="audio: wav, flac, ogg, mp3, webm")],
    model: Annotated[str, Form(max_length=200, description="accepted, any value")] = "",
    language: Annotated[str | None, Form(max_length=32, description="'en' only")] = None,
    prompt: Annotated[str, Form(max_length=MAX_PROMPT_CHARS)] = "",
    response_format: Annotated[str, Form(max_length=32)] = "json",
    timestamp_granularities: Annotated[
        list[str] | None, Form(alias="timestamp_granularities[]")
    ] = None,
) -> Response:
    granularities = timestamp_granularities or []
    refusal = request_refusal(language, response_format, granularities)
    if refusal is not None:
        raise refusal
    data = await file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ApiError(
            413, f"Files are limited to {MAX_FILE_BYTES >> 20} MB.", "file_too_large", param="file"
        )
    try:
        samples = await asyncio.to_thread(decode_file, data)
    except AudioFormatError as error:
        raise ApiError(
            400, f"Could not decode the audio file: {error}", "invalid_file", param="file"
        ) from None
    if samples.size / SAMPLE_RATE > MAX_AUDIO_S:
        raise ApiError(
            400, f"Audio is limited to {MAX_AUDIO_S // 60} minutes.", "audio_too_long", param="file"
        )
    speech = request.app.state.speech
    try:
        transcript = await speech.run_asr(
            speech.recognizer.transcribe, samples, recognizer_context(prompt)
        )
    except RecognizerFailedError as error:  # this node recognizes through another one
        raise ApiError(502, str(error), "recognizer_failed", type="server_error") from None
    model_id = str(speech.recognizer.model_id)
    headers = {"X-Viva-Model": model_id.encode("ascii", "replace").decode()}
    answer = openai_answer(transcript, response_format, granularities, model_id)
    if isinstance(answer, str):
        return PlainTextResponse(answer, headers=headers)
    return JSONResponse(answer, headers=headers)
