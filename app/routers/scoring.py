"""Scoring an answer without an interview: `POST /api/v1/score` with text, or a recording."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile, status
from pydantic import BaseModel, Field

from app.auth.idempotency import run_once
from app.deps import ContentDep, CurrentUser, IdempotencyKey, SessionDep, rate_limited
from app.scoring import score_text, words_json
from audio.codecs import decode_file
from audio.errors import AudioFormatError, RecognizerFailedError
from interviewer.questions import Question

router = APIRouter(prefix="/api/v1", tags=["scoring"])

MAX_TEXT_CHARS = 20_000
MAX_UPLOAD_BYTES = 20 << 20
MAX_RECORDING_S = 600
AUDIO_TYPES = ("audio/", "video/webm", "application/ogg", "application/octet-stream")


class ScoreText(BaseModel):
    question_id: str = Field(max_length=96)
    text: str = Field(max_length=MAX_TEXT_CHARS)


@router.post(
    "/score", response_model=dict[str, Any], dependencies=[Depends(rate_limited("scoring"))]
)
async def score(
    body: ScoreText,
    content: ContentDep,
    db: SessionDep,
    user: CurrentUser,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    async def make() -> tuple[int, dict[str, Any]]:
        question = _question(content, body.question_id)
        return 200, await asyncio.to_thread(score_text, content, question, body.text)

    return await run_once(
        db,
        owner_id=user.id,
        endpoint="POST /api/v1/score",
        key=idempotency_key,
        request=body,
        run=make,
    )


# A recording costs Whisper time: five texts' worth of the scoring budget.
@router.post("/score/recording", dependencies=[Depends(rate_limited("scoring", cost=5))])
async def score_recording(
    request: Request,
    content: ContentDep,
    question_id: Annotated[str, Form(max_length=96)],
    audio: Annotated[UploadFile, File(description="a recording: webm, ogg, wav, flac, mp3")],
) -> dict[str, Any]:
    question = _question(content, question_id)
    if not (audio.content_type or "").startswith(AUDIO_TYPES):
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "upload an audio recording (webm, ogg, wav)"
        )
    data = await audio.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "recordings are limited to 20 MB")
    try:
        samples = await asyncio.to_thread(decode_file, data)
    except AudioFormatError as error:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"could not read the recording: {error}"
        ) from None
    if len(samples) / 16_000 > MAX_RECORDING_S:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "recordings are limited to 10 minutes"
        )
    speech = request.app.state.speech
    try:
        transcript = await speech.run_asr(
            speech.recognizer.transcribe,
            samples,
            f"{question.text} {', '.join(question.key_terms)}",
        )
    except RecognizerFailedError as error:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"speech recognition is not available right now; paste the answer as text ({error})",
            headers={"Retry-After": "30"},
        ) from None
    words = words_json(transcript.words)
    report = await asyncio.to_thread(score_text, content, question, transcript.text.strip(), words)
    return {**report, "transcript": transcript.text.strip(), "words": words}


def _question(content: Any, question_id: str) -> Question:
    try:
        return content.bank.get(question_id)  # type: ignore[no-any-return]
    except KeyError:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"unknown question {question_id!r}"
        ) from None
