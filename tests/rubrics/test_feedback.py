from __future__ import annotations

from rubrics import TimedWord, default_rubrics, score_answer

PARTIAL_STORY = (
    "so we had an outage once where the site went down because the database ran out of disk "
    "and we cleaned up some old logs and it came back up"
)


def test_partial_answers_get_two_or_three_suggestions_tied_to_the_gaps() -> None:
    report = score_answer(
        default_rubrics()["star"], PARTIAL_STORY, question_id="q", question_type="behavioral"
    )
    assert 2 <= len(report.suggestions) <= 3
    rubric = default_rubrics()["star"]
    unmet_suggestions = {rubric.criterion(c.id).suggestion for c in report.criteria if not c.met}
    assert unmet_suggestions & set(report.suggestions)
    assert len(set(report.suggestions)) == len(report.suggestions)


def test_rebuilt_answer_places_own_sentences_and_prompts_missing_parts() -> None:
    rubric = default_rubrics()["star"]
    report = score_answer(rubric, PARTIAL_STORY, question_id="q", question_type="behavioral")
    sections = {s.criterion: s for s in report.rebuilt.sections}
    assert [s.heading for s in report.rebuilt.sections][:4] == [
        "Situation",
        "Task",
        "Action",
        "Result",
    ]
    assert "outage" in " ".join(s.text for s in sections["situation"].sentences)
    assert "cleaned up some old logs" in " ".join(s.text for s in sections["action"].sentences)
    assert "came back up" in " ".join(s.text for s in sections["result"].sentences)
    assert not sections["task"].sentences
    assert sections["task"].prompt == rubric.criterion("task").prompt
    for section in report.rebuilt.sections:
        for span in section.sentences:
            assert PARTIAL_STORY[span.start : span.end] == span.text
    text = report.rebuilt.text
    assert text.index("Situation:") < text.index("Task:") < text.index("Action:")
    assert f"[{rubric.criterion('task').prompt}]" in text


def test_rebuilt_technical_answer_uses_the_rubric_headings() -> None:
    rubric = default_rubrics()["backend.rate-limiter"]
    text = "i'd use a token bucket for each user in redis and if they run out i'd return a 429"
    report = score_answer(rubric, text, question_id="q")
    headings = [s.heading for s in report.rebuilt.sections]
    assert headings == [c.heading or c.label for c in rubric.criteria]
    by_id = {s.criterion: s for s in report.rebuilt.sections}
    assert by_id["failure-mode"].prompt
    assert by_id["scope"].sentences and by_id["scope"].prompt is None


def test_strong_answers_get_no_invented_gaps() -> None:
    text = (
        "In 2022 I led the rollout of a new search service at a retail startup. My goal was to "
        "replace the old cluster before the holidays. I cut the scope and I set up nightly "
        "benchmarks. We shipped in January and latency dropped by 40 percent. The lesson for me "
        "was to measure before I promise a date."
    )
    report = score_answer(
        default_rubrics()["star"], text, question_id="q", question_type="behavioral"
    )
    assert all(c.met for c in report.criteria)
    assert report.unmet_followups() == []
    assert all(s.prompt is None for s in report.rebuilt.sections)


def test_delivery_problems_become_suggestions_when_timings_are_known() -> None:
    text = "um so um we uh like had um an outage and uh we um fixed it like quickly um yeah"
    words = [TimedWord(w, i * 0.5, i * 0.5 + 0.4) for i, w in enumerate(text.split())]
    report = score_answer(
        default_rubrics()["star"], text, question_id="q", words=words, question_type="behavioral"
    )
    assert report.delivery is not None
    all_suggestions = " ".join(report.suggestions)
    assert report.delivery["fillers"]["total"] >= 8
    assert len(report.suggestions) <= 3
    assert "filler" in all_suggestions or len(report.suggestions) == 3
