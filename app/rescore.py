"""Explicit re-scoring of stored answers with the rubrics loaded now (no I/O here).

A stored score is never recomputed behind the candidate's back: the review shows it as it was
when the answer ended, with the rubric version that produced it. Re-scoring is asked for, and
the new report keeps the one it replaces under `previous` (one level: the report it replaced,
without that report's own `previous`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from app.runtime import Content
from app.scoring import score_or_none


@dataclass(frozen=True)
class StoredScore:
    """One stored candidate answer, as re-scoring sees it."""

    turn_id: str
    question_id: str | None
    text: str
    words: Sequence[Mapping[str, Any]]
    score: Mapping[str, Any] | None
    rubric_id: str | None
    rubric_version: int | None


@dataclass(frozen=True)
class RescoreItem:
    turn_id: str
    question_id: str | None
    rubric_id: str | None  # stored
    rubric_version: int | None  # stored
    current_rubric_id: str | None  # None: the question or its rubric is gone
    current_rubric_version: int | None
    outdated: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def rescore_plan(content: Content, answers: Sequence[StoredScore]) -> list[RescoreItem]:
    """Every answer with the rubric it was scored with and the one that would score it now."""
    items = []
    for answer in answers:
        rubric = _current_rubric(content, answer.question_id)
        current_id = rubric.id if rubric is not None else None
        current_version = rubric.version if rubric is not None else None
        outdated = rubric is not None and (
            answer.score is None
            or (answer.rubric_id, answer.rubric_version) != (current_id, current_version)
        )
        items.append(
            RescoreItem(
                turn_id=answer.turn_id,
                question_id=answer.question_id,
                rubric_id=answer.rubric_id,
                rubric_version=answer.rubric_version,
                current_rubric_id=current_id,
                current_rubric_version=current_version,
                outdated=outdated,
            )
        )
    return items


def rescore_answer(
    content: Content, answer: StoredScore, *, rescored_at: datetime
) -> dict[str, Any] | None:
    """A new report for a stored answer, keeping the report it replaces; None if unscorable."""
    question = _question(content, answer.question_id)
    report = score_or_none(content, question, answer.text, [dict(w) for w in answer.words])
    if report is None:
        return None
    if answer.score is not None:
        report["previous"] = {k: v for k, v in answer.score.items() if k != "previous"}
    report["rescored_at"] = rescored_at.isoformat()
    return report


def _question(content: Content, question_id: str | None) -> Any:
    if question_id is None:
        return None
    try:
        return content.bank.get(question_id)
    except KeyError:
        return None


def _current_rubric(content: Content, question_id: str | None) -> Any:
    question = _question(content, question_id)
    if question is None:
        return None
    return content.rubrics.get(question.rubric)
