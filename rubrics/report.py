"""The score report handed to the interviewer, stored with the turn and shown on the review page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Span:
    """A quoted part of the answer: `text == answer[start:end]` (character offsets)."""

    text: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class CriterionResult:
    id: str
    label: str
    weight: float
    met: bool
    score: float  # 0..1
    evidence: tuple[Span, ...]
    followup: str | None
    note: str = ""  # why the score is partial, e.g. "we-only", "unquantified"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "weight": self.weight,
            "met": self.met,
            "score": self.score,
            "evidence": [span.to_dict() for span in self.evidence],
        }


@dataclass(frozen=True)
class RebuiltSection:
    criterion: str
    heading: str
    sentences: tuple[Span, ...]
    prompt: str | None  # shown when the part is missing

    def to_dict(self) -> dict[str, Any]:
        return {
            "criterion": self.criterion,
            "heading": self.heading,
            "sentences": [s.to_dict() for s in self.sentences],
            "prompt": self.prompt,
        }


@dataclass(frozen=True)
class RebuiltAnswer:
    sections: tuple[RebuiltSection, ...]
    unplaced: tuple[Span, ...]  # the candidate's sentences that fit no heading

    @property
    def text(self) -> str:
        lines: list[str] = []
        for section in self.sections:
            if section.sentences:
                body = " ".join(_sentence(s.text) for s in section.sentences)
                if section.prompt:
                    body += f" [{section.prompt}]"
            else:
                body = f"[{section.prompt or 'Missing.'}]"
            lines.append(f"{section.heading}: {body}")
        if self.unplaced:
            lines.append("Also said: " + " ".join(_sentence(s.text) for s in self.unplaced))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sections": [s.to_dict() for s in self.sections],
            "unplaced": [s.to_dict() for s in self.unplaced],
            "text": self.text,
        }


_LEADING_FILLERS = ("and ", "so ", "but ", "then ", "because ", "um ", "uh ")


def _sentence(text: str) -> str:
    text = text.strip()
    lowered = text.lower()
    while any(lowered.startswith(word) for word in _LEADING_FILLERS) and " " in text:
        text = text.split(" ", 1)[1].lstrip()
        lowered = text.lower()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


@dataclass(frozen=True)
class ScoreReport:
    question_id: str
    rubric_id: str
    rubric_version: int
    overall: int  # 0..100
    band: str  # "strong" | "partial" | "weak" | "insufficient"
    explanation: str
    criteria: tuple[CriterionResult, ...]
    star: dict[str, bool] | None
    delivery: dict[str, Any] | None
    suggestions: tuple[str, ...]
    rebuilt: RebuiltAnswer
    flags: tuple[str, ...] = field(default=())  # e.g. "empty", "off-topic", "keyword-list"

    def unmet_followups(self) -> list[str]:
        """Follow-up questions of the unmet criteria, heaviest criterion first."""
        unmet = [c for c in self.criteria if not c.met and c.followup]
        ordered = sorted(enumerate(unmet), key=lambda pair: (-pair[1].weight, pair[0]))
        return [c.followup for _, c in ordered if c.followup]

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "question_id": self.question_id,
            "rubric_id": self.rubric_id,
            "rubric_version": self.rubric_version,
            "overall": self.overall,
            "band": self.band,
            "explanation": self.explanation,
            "criteria": [c.to_dict() for c in self.criteria],
        }
        if self.star is not None:
            data["star"] = dict(self.star)
        if self.delivery is not None:
            data["delivery"] = self.delivery
        data["suggestions"] = list(self.suggestions)
        data["rebuilt"] = self.rebuilt.to_dict()
        data["flags"] = list(self.flags)
        return data
