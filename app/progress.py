"""Progress over time, computed from stored scores only (pure: plain dicts in, plain dicts out).

One point per interview with at least one scored answer. Figures are pooled over the answers of
that interview: pace is all words over all speaking time, not a mean of per-answer rates, so a
ten-second answer does not weigh as much as a two-minute one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.db.models import as_utc

STAR_PARTS = ("situation", "task", "action", "result")


@dataclass(frozen=True)
class StoredAnswer:
    """What progress needs of one stored candidate turn."""

    score: Mapping[str, Any] | None


@dataclass(frozen=True)
class StoredInterview:
    id: str
    role: str
    round: str
    status: str
    created_at: datetime
    answers: tuple[StoredAnswer, ...]


def progress_points(interviews: Iterable[StoredInterview]) -> list[dict[str, Any]]:
    """Oldest first; interviews without a scored answer are left out."""
    points = [_point(i) for i in sorted(interviews, key=lambda i: as_utc(i.created_at))]
    return [p for p in points if p is not None]


def _point(interview: StoredInterview) -> dict[str, Any] | None:
    scores = [a.score for a in interview.answers if a.score and "overall" in a.score]
    if not scores:
        return None
    star_scores = [s["star"] for s in scores if isinstance(s.get("star"), Mapping)]
    deliveries = [s["delivery"] for s in scores if isinstance(s.get("delivery"), Mapping)]
    seconds = sum(float(d.get("duration_seconds") or 0) for d in deliveries)
    words = sum(int(d.get("word_count") or 0) for d in deliveries)
    fillers = sum(_filler_total(d) for d in deliveries)
    minutes = seconds / 60
    return {
        "interview_id": interview.id,
        "date": as_utc(interview.created_at).isoformat(),
        "role": interview.role,
        "round": interview.round,
        "status": interview.status,
        "answers": len(scores),
        "overall": round(sum(float(s["overall"]) for s in scores) / len(scores), 1),
        "star_answers": len(star_scores),
        "star": {
            part: (
                round(sum(bool(s.get(part)) for s in star_scores) / len(star_scores), 3)
                if star_scores
                else None
            )
            for part in STAR_PARTS
        },
        "timed_answers": len(deliveries),
        "speaking_seconds": round(seconds, 1),
        "words_per_minute": round(words / minutes, 1) if minutes > 0 else None,
        "fillers_per_minute": round(fillers / minutes, 2) if minutes > 0 else None,
    }


def _filler_total(delivery: Mapping[str, Any]) -> int:
    fillers = delivery.get("fillers")
    if isinstance(fillers, Mapping):
        return int(fillers.get("total") or 0)
    return 0
