"""Rubric data model: what a rubric file says once it has been validated."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class RubricError(ValueError):
    """A rubric (or lexicon) file is invalid; the message names the file, criterion and field."""

    def __init__(
        self, path: Path | str, message: str, *, criterion: str | None = None, field: str = ""
    ) -> None:
        where = str(path)
        if criterion:
            where += f", criterion {criterion!r}"
        if field:
            where += f", field {field!r}"
        super().__init__(f"{where}: {message}")
        self.path = str(path)
        self.criterion = criterion
        self.field = field


@dataclass(frozen=True)
class TimedWord:
    """One recognised word with its start and end time in seconds from the answer's start."""

    text: str
    start: float
    end: float


# Detectors recognise a criterion from sentence roles rather than (only) from phrases.
DETECTORS = (
    "star.situation",
    "star.task",
    "star.action",
    "star.result",
    "star.reflection",
    "ownership",
)


@dataclass(frozen=True)
class Criterion:
    id: str
    label: str
    weight: float
    patterns: tuple[str, ...]
    followups: tuple[str, ...] = ()
    # Optional richer keys (see docs/scoring.md).
    all_of: tuple[tuple[str, ...], ...] = ()  # each group must match at least once
    min_matches: int = 1  # distinct phrases needed for full credit; fewer give partial credit
    threshold: float = 0.5  # score at or above which the criterion counts as met
    exclude: tuple[str, ...] = ()  # a clause matching one of these never counts as evidence
    detector: str | None = None
    heading: str = ""  # heading in the rebuilt answer; defaults to the label
    prompt: str = ""  # shown in the rebuilt answer when the part is missing
    suggestion: str = ""  # advice when the criterion is unmet

    @property
    def followup(self) -> str | None:
        return self.followups[0] if self.followups else None


@dataclass(frozen=True)
class Penalty:
    """Something the answer should avoid (e.g. flattery); costs `points` of the overall score."""

    id: str
    label: str
    patterns: tuple[str, ...]
    points: int
    suggestion: str


@dataclass(frozen=True)
class Rubric:
    id: str
    version: int
    kind: str
    title: str
    criteria: tuple[Criterion, ...]
    avoid: tuple[Penalty, ...] = ()
    topic_terms: tuple[str, ...] = ()  # extra words that show an answer is on this topic
    source: str = field(default="", compare=False)

    def criterion(self, criterion_id: str) -> Criterion:
        for criterion in self.criteria:
            if criterion.id == criterion_id:
                return criterion
        raise KeyError(criterion_id)
