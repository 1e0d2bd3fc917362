"""Scoring answers outside the rubric core: picking the rubric, and answers given as audio files."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from app.runtime import Content
from app.settings import Settings
from interviewer.questions import Question


def score_text(
    content: Content, question: Question, text: str, words: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    from rubrics import TimedWord, score_answer

    rubric = content.rubrics.get(question.rubric)
    if rubric is None:
        raise LookupError(f"question {question.id!r} names rubric {question.rubric!r}, not found")
    timed = [TimedWord(w["text"], float(w["start"]), float(w["end"])) for w in words] or None
    report = score_answer(
        rubric,
        text,
        question_id=question.id,
        words=timed,
        question_type=question.type,
        question_text=question.text,
    )
    return report.to_dict()  # type: ignore[no-any-return]


def score_or_none(
    content: Content, question: Question | None, text: str, words: Sequence[dict[str, Any]]
) -> dict[str, Any] | None:
    """For storage: a report, or None when the question or its rubric is unknown."""
    if question is None or question.rubric not in content.rubrics:
        return None
    return score_text(content, question, text, words)


def transcribe_file(
    path: Path, question: Question, settings: Settings
) -> tuple[str, list[dict[str, Any]]]:
    """Blocking: decode a recording and transcribe it with the question as context."""
    from app.runtime import load_recognizer
    from audio.codecs import decode_file

    recognizer = load_recognizer(settings)
    transcript = recognizer.transcribe(
        decode_file(path), " ".join([question.text, ", ".join(question.key_terms)])
    )
    return transcript.text.strip(), words_json(transcript.words)


def words_json(words: Iterable[Any]) -> list[dict[str, Any]]:
    """Recognized words as stored and sent: text, start and end in seconds."""
    return [
        {"text": w.text.strip(), "start": round(w.start, 3), "end": round(w.end, 3)}
        for w in words
        if w.text.strip()
    ]
