"""The `viva` command as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def viva(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_score_text_json_has_the_report_shape():
    result = viva(
        "score",
        "--question",
        "backend.rate-limiter",
        "--text",
        "per user token bucket in redis and if redis is down we fail open",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["question_id"] == "backend.rate-limiter"
    assert 0 <= report["overall"] <= 100
    met = {c["id"] for c in report["criteria"] if c["met"]}
    assert met and all(c["evidence"] for c in report["criteria"] if c["met"])


@pytest.mark.slow
def test_score_audio_transcribes_the_recording(jfk_path):
    result = viva(
        "score",
        "--question",
        "behavioral.tell-me-about-yourself",
        "--audio",
        str(jfk_path),
        "--json",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert "ask not what your country can do for you" in report["transcript"].lower()
    assert report["delivery"]["word_count"] >= 20


def test_unknown_question_is_a_clear_error():
    result = viva("score", "--question", "nope", "--text", "hi")
    assert result.returncode == 2 and "unknown question" in result.stderr


def test_questions_json_lists_every_role():
    result = viva("questions", "--json")
    assert result.returncode == 0, result.stderr
    roles = {r["role"]: r for r in json.loads(result.stdout)}
    assert {"backend-engineer", "general"} <= set(roles)
    ids = {q["id"] for q in roles["backend-engineer"]["questions"]}
    assert {"backend.idempotent-apis", "behavioral.failure"} <= ids
