"""The question model shared by banks, plans and the interview machine.

Kept tiny and frozen so every layer can pass questions around without copying.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

QuestionType = Literal["behavioral", "technical", "system_design"]


@dataclass(frozen=True)
class Question:
    id: str  # stable, e.g. "backend.rate-limiter"
    text: str  # asked out loud, exactly one question
    type: QuestionType
    role: str  # bank the question comes from, e.g. "backend-engineer" or "general"
    rubric: str  # rubric id in rubrics/data, e.g. "star" or "backend.rate-limiter"
    difficulty: int = 2  # 1 (warm-up) .. 3 (senior)
    tags: tuple[str, ...] = ()
    followups: tuple[str, ...] = ()  # generic follow-ups when the rubric has none to offer
    key_terms: tuple[str, ...] = ()  # domain words handed to the recognizer as context
    guidance: str = ""  # "how to answer" text shown in review
    sample_answer: str = ""
    extra: dict[str, object] = field(default_factory=dict, compare=False, hash=False)
