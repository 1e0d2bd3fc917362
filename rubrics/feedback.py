"""Feedback for one answer: a few concrete suggestions and the answer rebuilt under headings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rubrics.analysis import Answer
from rubrics.model import Penalty, Rubric
from rubrics.report import CriterionResult, RebuiltAnswer, RebuiltSection, Span

MAX_SUGGESTIONS = 3
MANY_FILLERS_PER_MINUTE = 6.0
MANY_HEDGES = 4
MANY_LONG_PAUSES = 3

_NOTES = {
    "we-only": (
        'You described what the team did ("we ...") but not your own part; say "I" for the '
        "steps you took yourself."
    ),
    "unquantified": (
        "Put a number on the result — minutes of downtime, percentage faster, customers affected, "
        "hours saved."
    ),
    "no-effect": "Say what your work changed — a number or a concrete effect makes it stick.",
}


def suggestions(
    rubric: Rubric,
    results: Sequence[CriterionResult],
    penalties: Sequence[Penalty],
    delivery: dict[str, Any] | None,
) -> tuple[str, ...]:
    """Up to three suggestions: avoided phrases first, then the missing or partial parts that
    cost the most points, then delivery."""
    found: list[str] = [p.suggestion for p in penalties]
    # The parts that cost the most points come first.
    lacking = sorted(
        (r for r in results if r.score < 1 and (not r.met or r.note in _NOTES)),
        key=lambda r: (-r.weight * (1 - r.score), _order(rubric, r.id)),
    )
    for result in lacking:
        criterion = rubric.criterion(result.id)
        if result.met:
            found.append(_NOTES[result.note])
        else:
            found.append(criterion.suggestion or f"Cover this point: {criterion.label.lower()}.")
    if delivery is not None:
        found.extend(_delivery_suggestions(delivery))
    unique: list[str] = []
    for text in found:
        if text not in unique:
            unique.append(text)
    return tuple(unique[:MAX_SUGGESTIONS])


def _order(rubric: Rubric, criterion_id: str) -> int:
    return next(i for i, c in enumerate(rubric.criteria) if c.id == criterion_id)


def _delivery_suggestions(delivery: dict[str, Any]) -> list[str]:
    notes: list[str] = []
    fillers = delivery["fillers"]
    if fillers["per_minute"] > MANY_FILLERS_PER_MINUTE and fillers["total"] >= 3:
        top = ", ".join(f'"{word}" ×{count}' for word, count in list(fillers["counts"].items())[:3])
        notes.append(
            f"You used {fillers['total']} filler words ({top}), about {fillers['per_minute']:g} a "
            "minute; a silent pause works better."
        )
    target = delivery["target"]
    duration = delivery["duration_seconds"]
    if target["verdict"] == "long":
        notes.append(
            f"The answer ran {_clock(duration)}; aim for {_clock(target['min_seconds'])}–"
            f"{_clock(target['max_seconds'])} by trimming the set-up."
        )
    elif target["verdict"] == "short" and duration > 0:
        notes.append(
            f"The answer ran {_clock(duration)}; aim for at least {_clock(target['min_seconds'])} "
            "so there is room for what you did and how it turned out."
        )
    if len(delivery["long_pauses"]) >= MANY_LONG_PAUSES:
        notes.append(
            f"There were {len(delivery['long_pauses'])} pauses over 2 seconds; a one-line outline "
            "before you start keeps the thread."
        )
    hedges = delivery["hedges"]
    if hedges["total"] >= MANY_HEDGES:
        top = ", ".join(f'"{phrase}"' for phrase in list(hedges["counts"])[:3])
        notes.append(
            f"You hedged {hedges['total']} times ({top}); state the decision first, "
            "then the caveat."
        )
    return notes


def _clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def rebuild(
    answer: Answer,
    rubric: Rubric,
    results: Sequence[CriterionResult],
    sections_of_clauses: Sequence[str | None],
) -> RebuiltAnswer:
    """The candidate's own clauses under the rubric's headings; each missing part is a prompt.

    `sections_of_clauses` gives, per clause, the criterion id it belongs under (None: unplaced).
    """
    by_id = {r.id: r for r in results}
    sections: list[RebuiltSection] = []
    for criterion in rubric.criteria:
        spans = tuple(
            _span(answer, index)
            for index, section in enumerate(sections_of_clauses)
            if section == criterion.id
        )
        met = by_id[criterion.id].met
        if met and not spans:
            # The sentence that earned it sits under a heavier heading; quote it here too.
            spans = by_id[criterion.id].evidence
        prompt = None if met else (criterion.prompt or criterion.followup or criterion.label)
        sections.append(
            RebuiltSection(
                criterion=criterion.id,
                heading=criterion.heading or criterion.label,
                sentences=spans,
                prompt=prompt,
            )
        )
    unplaced = tuple(
        _span(answer, index) for index, section in enumerate(sections_of_clauses) if section is None
    )
    return RebuiltAnswer(sections=tuple(sections), unplaced=unplaced)


def _span(answer: Answer, clause_index: int) -> Span:
    clause = answer.clauses[clause_index]
    return Span(answer.text[clause.start : clause.end], clause.start, clause.end)
