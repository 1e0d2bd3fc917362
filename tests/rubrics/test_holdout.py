"""Held-out answers (tests/rubrics/holdout/): only the hard floors are asserted here, so the set
stays useful as an honest measurement rather than a tuning target (figures: docs/scoring.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from rubrics import ScoreReport, default_rubrics, score_answer

HOLDOUT_DIR = Path(__file__).with_name("holdout")


def holdout() -> list[tuple[dict[str, Any], ScoreReport]]:
    scored = []
    for path in sorted(HOLDOUT_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for answer in data["answers"]:
            rubric = default_rubrics()[answer.get("rubric") or data["rubric"]]
            report = score_answer(
                rubric,
                answer["text"],
                question_id=answer["id"],
                question_type=data["type"],
                question_text=answer["question"],
            )
            scored.append((answer, report))
    return scored


def test_held_out_non_answers_and_off_topic_score_at_most_20() -> None:
    low = [(a, r) for a, r in holdout() if a["level"] in {"off-topic", "gibberish", "empty"}]
    assert len(low) >= 8
    for answer, report in low:
        assert report.overall <= 20, (answer["id"], report.overall)


def test_held_out_strong_answers_beat_partial_ones_on_the_same_question() -> None:
    by_question: dict[str, dict[str, list[int]]] = {}
    for answer, report in holdout():
        levels = by_question.setdefault(answer["question"], {})
        levels.setdefault(answer["level"], []).append(report.overall)
    compared = 0
    for levels in by_question.values():
        if "strong" in levels and "partial" in levels:
            compared += 1
            assert min(levels["strong"]) > max(levels["partial"])
    assert compared >= 6


def test_held_out_star_detection_mostly_agrees() -> None:
    agree = total = 0
    for answer, report in holdout():
        if "star" in answer:
            assert report.star is not None
            for part, expected in answer["star"].items():
                total += 1
                agree += report.star[part] == expected
    assert total >= 30
    assert agree / total >= 0.8
