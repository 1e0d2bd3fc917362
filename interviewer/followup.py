"""How the interviewer picks its one follow-up: the biggest gap in the answer.

The machine only knows this protocol; the rubric-backed policy lives here too so that the
machine stays free of scoring details.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from interviewer.questions import Question


class FollowupPolicy(Protocol):
    def choose(self, question: Question, answer: str) -> str | None:
        """The follow-up to ask about what the answer left out, or None to move on."""


class ShortAnswerFollowups:
    """The rule used when no rubric is known: a short answer gets the question's first follow-up."""

    def __init__(self, min_words: int = 60) -> None:
        self.min_words = min_words

    def choose(self, question: Question, answer: str) -> str | None:
        if question.followups and len(answer.split()) < self.min_words:
            return question.followups[0]
        return None


class RubricFollowups:
    """Asks the follow-up of the heaviest unmet rubric criterion; falls back to the simple rule."""

    def __init__(self, rubrics: Mapping[str, Any], fallback: FollowupPolicy | None = None) -> None:
        self.rubrics = rubrics
        self.fallback = fallback or ShortAnswerFollowups()

    def choose(self, question: Question, answer: str) -> str | None:
        rubric = self.rubrics.get(question.rubric)
        if rubric is None:
            return self.fallback.choose(question, answer)
        from rubrics import score_answer

        report = score_answer(
            rubric,
            answer,
            question_id=question.id,
            question_type=question.type,
            question_text=question.text,
        )
        followups = report.unmet_followups()
        return followups[0] if followups else None

    def all_followups(self, question: Question) -> list[str]:
        """Every follow-up this policy might ask for the question (to synthesize ahead)."""
        rubric = self.rubrics.get(question.rubric)
        texts = [
            c.followup for c in getattr(rubric, "criteria", ()) if getattr(c, "followup", None)
        ]
        return [*texts, *question.followups[:1]]
