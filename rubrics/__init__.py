"""Rubrics: rubric data files, the answer scorer, delivery metrics and feedback. Pure functions."""

from rubrics.delivery import delivery_metrics
from rubrics.loader import default_rubrics, load_rubrics
from rubrics.model import Criterion, Penalty, Rubric, RubricError, TimedWord
from rubrics.report import CriterionResult, RebuiltAnswer, RebuiltSection, ScoreReport, Span
from rubrics.scorer import score_answer

__all__ = [
    "Criterion",
    "CriterionResult",
    "Penalty",
    "RebuiltAnswer",
    "RebuiltSection",
    "Rubric",
    "RubricError",
    "ScoreReport",
    "Span",
    "TimedWord",
    "default_rubrics",
    "delivery_metrics",
    "load_rubrics",
    "score_answer",
]
