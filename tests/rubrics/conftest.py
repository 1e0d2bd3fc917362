from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from rubrics import ScoreReport, default_rubrics, score_answer

EVAL_DIR = Path(__file__).with_name("eval")


@dataclass(frozen=True)
class EvalAnswer:
    question_id: str
    question: str
    rubric: str
    type: str
    id: str
    level: str
    text: str
    star: dict[str, bool] | None

    def score(self) -> ScoreReport:
        return score_answer(
            default_rubrics()[self.rubric],
            self.text,
            question_id=self.question_id,
            question_type=self.type,
            question_text=self.question or None,
        )


def load_eval_set() -> list[EvalAnswer]:
    answers: list[EvalAnswer] = []
    for path in sorted(EVAL_DIR.glob("*.yaml")):
        data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        for item in data["answers"]:
            answers.append(
                EvalAnswer(
                    question_id=data["question_id"],
                    question=data["question"],
                    rubric=item.get("rubric", data["rubric"]),
                    type=item.get("type", data["type"]),
                    id=item["id"],
                    level=item["level"],
                    text=item["text"],
                    star=item.get("star"),
                )
            )
    return answers


@pytest.fixture(scope="session")
def eval_set() -> list[EvalAnswer]:
    return load_eval_set()


@pytest.fixture(scope="session")
def eval_reports(eval_set: list[EvalAnswer]) -> dict[str, ScoreReport]:
    return {answer.id: answer.score() for answer in eval_set}
