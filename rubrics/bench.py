"""Scoring latency benchmark for `viva bench`: milliseconds per answer over the evaluation set."""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

import yaml

from rubrics.loader import default_rubrics
from rubrics.model import TimedWord
from rubrics.scorer import score_answer

EVAL_DIR = Path(__file__).resolve().parent.parent / "tests" / "rubrics" / "eval"
_WORDS_PER_SECOND = 2.5

Case = tuple[str, str, str, str]  # rubric id, question text, question type, answer


def time_scoring(n: int = 200) -> dict[str, Any]:
    """Score `n` answers (cycling through the evaluation set, with synthetic word timings so
    delivery metrics are included) and report per-answer milliseconds."""
    cases, source = _cases()
    rubrics = default_rubrics()
    timings: list[float] = []
    for i in range(max(1, n)):
        rubric_id, question, question_type, text = cases[i % len(cases)]
        words = _timed_words(text)
        started = time.perf_counter()
        score_answer(
            rubrics[rubric_id],
            text,
            question_id="bench",
            words=words,
            question_type=question_type,
            question_text=question or None,
        )
        timings.append((time.perf_counter() - started) * 1000)
    ordered = sorted(timings)
    return {
        "answers": len(cases),
        "runs": len(timings),
        "source": source,
        "median_ms": round(statistics.median(ordered), 3),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 3),
        "max_ms": round(ordered[-1], 3),
    }


def _cases() -> tuple[list[Case], str]:
    cases: list[Case] = []
    if EVAL_DIR.is_dir():
        for path in sorted(EVAL_DIR.glob("*.yaml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            for answer in data["answers"]:
                cases.append(
                    (
                        answer.get("rubric", data["rubric"]),
                        data.get("question") or "",
                        answer.get("type", data["type"]),
                        answer["text"],
                    )
                )
    if cases:
        return cases, "eval-set"
    # Installed without the tests: answers made of each rubric's own phrases.
    for rubric in default_rubrics().values():
        text = " and then ".join(c.label.lower() for c in rubric.criteria)
        cases.append((rubric.id, rubric.title, "technical", f"so i would say {text}"))
    return cases, "synthetic"


def _timed_words(text: str) -> list[TimedWord]:
    step = 1 / _WORDS_PER_SECOND
    return [TimedWord(w, i * step, i * step + step * 0.8) for i, w in enumerate(text.split())]
