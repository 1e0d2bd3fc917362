from __future__ import annotations

import statistics
import time

from rubrics import ScoreReport, TimedWord, default_rubrics, score_answer


def score(rubric_id: str, text: str, **kwargs: object) -> ScoreReport:
    return score_answer(default_rubrics()[rubric_id], text, question_id="q", **kwargs)  # type: ignore[arg-type]


def criterion(report: ScoreReport, criterion_id: str):
    return next(c for c in report.criteria if c.id == criterion_id)


def test_report_has_the_documented_shape() -> None:
    report = score("backend.rate-limiter", "i'd rate limit per user with a token bucket in redis")
    data = report.to_dict()
    assert {
        "question_id",
        "overall",
        "criteria",
        "suggestions",
        "rubric_id",
        "rubric_version",
    } <= set(data)
    assert {"explanation", "rebuilt"} <= set(data)
    assert "star" not in data and "delivery" not in data
    assert 0 <= data["overall"] <= 100
    for item in data["criteria"]:
        assert {"id", "label", "met", "score", "evidence"} <= set(item)
        assert 0 <= item["score"] <= 1


def test_star_and_delivery_appear_only_when_they_apply() -> None:
    text = "at my last job i fixed our deploy pipeline and deploys got ten minutes faster"
    words = [TimedWord(w, i * 0.4, i * 0.4 + 0.3) for i, w in enumerate(text.split())]
    data = score("star", text, words=words, question_type="behavioral").to_dict()
    assert set(data["star"]) == {"situation", "task", "action", "result"}
    assert data["delivery"]["word_count"] == len(text.split())


def test_evidence_spans_quote_the_answer_at_their_offsets() -> None:
    text = (
        "So first I'd ask: is the limit per customer or per IP? Then I'd compare a token bucket "
        "with a sliding window, and keep the counters in Redis."
    )
    report = score("backend.rate-limiter", text)
    spans = [span for c in report.criteria for span in c.evidence]
    assert spans
    for span in spans:
        assert text[span.start : span.end] == span.text
    assert "per customer" in criterion(report, "scope").evidence[0].text


def test_word_forms_synonyms_and_mishearings_count() -> None:
    report = score(
        "backend.idempotent-apis",
        "the client sends an eye potency key and we store the keys in posters with a unique "
        "constraint",
    )
    assert criterion(report, "keys").met
    assert criterion(report, "storage").met


def test_missing_punctuation_does_not_hide_a_situation() -> None:
    text = (
        "our login service started timing out one afternoon i restarted the pods and the "
        "timeouts stopped after a few minutes"
    )
    report = score("star", text, question_type="behavioral")
    assert report.star is not None
    assert report.star["situation"]
    assert report.star["action"]
    assert report.star["result"]


def test_personal_ownership_counts_more_than_we() -> None:
    story = (
        "at my last company our checkout api kept timing out and {s} added a circuit breaker "
        "and {s} moved the slow call to a queue and errors dropped by 80 percent"
    )
    mine = score("star", story.format(s="i"), question_type="behavioral")
    ours = score("star", story.format(s="we"), question_type="behavioral")
    assert criterion(mine, "action").score > criterion(ours, "action").score
    assert mine.overall > ours.overall
    assert any("I" in s and "we" in s for s in ours.suggestions)


def test_quantified_results_count_more() -> None:
    story = "last year our search was slow so i added an index and rewrote the query and {outcome}"
    with_number = score("star", story.format(outcome="latency dropped from 900 to 120 ms"))
    without = score("star", story.format(outcome="latency dropped a lot"))
    assert criterion(with_number, "result").score > criterion(without, "result").score
    assert criterion(without, "result").met


def test_saying_you_do_not_know_a_term_does_not_earn_it() -> None:
    report = score(
        "backend.rate-limiter",
        "i don't know what a token bucket or a sliding window is honestly, i'd count requests",
    )
    assert not criterion(report, "algorithm").met


def test_a_list_of_keywords_is_capped() -> None:
    keywords = "token bucket sliding window redis per user burst 429 fail open local limiter"
    report = score("backend.rate-limiter", keywords)
    assert report.overall <= 30
    assert "keyword-list" in report.flags
    assert "list of terms" in report.explanation


def test_one_word_and_empty_answers_score_zero_with_an_explanation() -> None:
    for text in ["", "   ", "fine", "Fine.", "um uh", "i don't know"]:
        report = score("star", text, question_type="behavioral")
        assert report.overall == 0, text
        assert report.explanation
        assert not any(c.met for c in report.criteria)


def test_repeating_a_phrase_does_not_inflate_the_score() -> None:
    once = score("backend.lru-cache", "i would evict the least recently used entry when it is full")
    repeated = score(
        "backend.lru-cache",
        "i would evict the least recently used entry when it is full " * 5,
    )
    assert criterion(repeated, "evict").score == criterion(once, "evict").score
    assert repeated.overall <= once.overall + 5


def test_flattery_costs_points() -> None:
    plain = "i have built payment pipelines for three years and your team owns the payments api"
    flattering = plain + " and honestly your company is amazing and it is my dream job"
    assert score("motivation", flattering).overall < score("motivation", plain).overall


def test_unmet_followups_start_with_the_heaviest_unmet_criterion() -> None:
    report = score(
        "backend.rate-limiter", "i would rate limit per user and store counters in redis"
    )
    followups = report.unmet_followups()
    unmet = [c for c in report.criteria if not c.met]
    heaviest = max(unmet, key=lambda c: c.weight)
    assert followups[0] == heaviest.followup
    assert len(followups) == len(unmet)
    met_followups = {c.followup for c in report.criteria if c.met}
    assert not met_followups & set(followups)


def test_question_text_separates_thin_answers_from_off_topic_ones() -> None:
    question = "Tell me about a time you disagreed with a teammate."
    thin = score("star", "i never really have conflicts with anyone", question_text=question)
    off = score("star", "python has a great package ecosystem and tooling", question_text=question)
    assert thin.overall > off.overall
    assert "off-topic" in off.flags


def test_scoring_a_long_answer_is_fast() -> None:
    text = (
        "um so at my last job i was the on call engineer for the payments api and we got paged "
        "because latency spiked and my job was to restore it i checked the dashboards and found "
        "the connection pool exhausted so i rolled back the deploy and latency dropped by 70 "
        "percent and since then i always load test pool settings "
    ) * 4
    rubric = default_rubrics()["star"]
    timings = []
    for _ in range(15):
        started = time.perf_counter()
        score_answer(rubric, text, question_id="q", question_type="behavioral")
        timings.append(time.perf_counter() - started)
    assert statistics.median(timings) < 0.05


def test_every_bundled_rubric_scores_and_rejects_an_off_topic_answer() -> None:
    off_topic = "my favourite food is pasta and i like hiking on the weekend with my dog"
    for rubric in default_rubrics().values():
        report = score_answer(rubric, off_topic, question_id=rubric.id)
        assert report.overall <= 20, (rubric.id, report.overall)
        on_topic = score_answer(rubric, f"i would start with {rubric.title}", question_id="q")
        assert 0 <= on_topic.overall <= 100
