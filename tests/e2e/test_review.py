"""Review afterwards in a real browser: history, the review of a stored interview (recording with
the spoken word lit, evidence highlighted, downloads, print), progress charts and delete.

Interviews are stored as the live session stores them, from answers spoken by the real voice and
transcribed by the real recognizer (tests/app/test_review_api.py: seed_interview)."""

from __future__ import annotations

import asyncio
import json
import math
import os
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.app.test_review_api import (
    FAILURE_SPOKEN,
    PAYMENTS_TYPED,
    STAR_SPOKEN,
    content,  # noqa: F401  (fixture)
    seed_interview,
    speak,
    typed,
)
from tests.e2e.conftest import CHROMIUM_FLAGS

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
DOCS_IMG = ROOT / "docs" / "img"
VIEWPORT = {"width": 1100, "height": 860}


@pytest.fixture(scope="module")
async def interviews(server, database_url, speech, content) -> dict[str, str]:  # noqa: F811
    """Three interviews over three weeks (for progress) and one to delete."""
    star = speak(speech, content, "behavioral.incident", STAR_SPOKEN)
    failure = speak(speech, content, "behavioral.failure", FAILURE_SPOKEN)
    scaling = speak(
        speech,
        content,
        "behavioral.scaling",
        "Uh, we had a service that was, like, slow. We added some caching and it got better.",
    )
    now = datetime.now(UTC)
    return {
        "first": await seed_interview(
            database_url, content, [scaling], created_at=now - timedelta(days=20)
        ),
        "second": await seed_interview(
            database_url,
            content,
            [failure, "behavioral.conflict-teammate"],
            created_at=now - timedelta(days=9),
        ),
        "latest": await seed_interview(
            database_url,
            content,
            [star, typed("backend.idempotent-payments", PAYMENTS_TYPED)],
            created_at=now - timedelta(hours=1),
            round="mixed",
        ),
        "doomed": await seed_interview(
            database_url, content, [failure], created_at=now - timedelta(days=30)
        ),
    }


@pytest.fixture(scope="module")
async def browser(chromium_path):
    from playwright.async_api import async_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=chromium_path,
            args=CHROMIUM_FLAGS,
        )
        yield launched
        await launched.close()


@pytest.fixture
async def page(browser):
    context = await browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    opened = await context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    # CSP violations are reported on the console, not as page errors.
    opened.on(
        "console",
        lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    yield opened
    await context.close()
    assert not errors, errors


async def stored(server, interview_id: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=server.url) as http:
        response = await http.get(f"/api/v1/interviews/{interview_id}")
    assert response.status_code == 200
    return response.json()


def js_round(value: float) -> int:
    """Math.round: halves go up (Python's round goes to even)."""
    return math.floor(value + 0.5)


def screenshot(name: str) -> str:
    return str(ARTIFACTS / name)


def publish(name: str) -> None:
    """docs/review.md shows these screenshots; VIVA_UPDATE_DOC_IMAGES=1 refreshes them."""
    if os.environ.get("VIVA_UPDATE_DOC_IMAGES") == "1":
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ARTIFACTS / name, DOCS_IMG / name)


async def test_history_lists_interviews_and_opens_a_review(server, interviews, page):
    from playwright.async_api import expect

    latest = await stored(server, interviews["latest"])
    await page.goto(f"{server.url}/history")
    row = page.locator(f'[data-testid="history-row"][data-interview-id="{interviews["latest"]}"]')
    await expect(row).to_be_visible()
    cells = [c.strip() for c in await row.locator("td").all_text_contents()]
    assert cells[1] == "Backend Engineer"
    assert cells[2] == "Mixed"
    assert cells[3].startswith("2 questions")
    scores = [a["score"]["overall"] for a in latest["turns"] if a["speaker"] == "candidate"]
    assert cells[4] == str(js_round(sum(scores) / len(scores)))
    ids = await page.locator('[data-testid="history-row"]').evaluate_all(
        "rows => rows.map(r => r.dataset.interviewId)"
    )
    ours = [ids.index(interviews[k]) for k in ("latest", "second", "first")]
    assert ours == sorted(ours), "newest first"
    await page.screenshot(path=screenshot("history.png"))
    publish("history.png")

    await row.get_by_test_id("history-open").click()
    await expect(page).to_have_url(re.compile(f"/interviews/{interviews['latest']}$"))
    await expect(page.get_by_test_id("review-turn")).to_have_count(2)


async def test_review_plays_the_answer_and_lights_each_word_and_its_evidence(
    server, interviews, page
):
    from playwright.async_api import expect

    interview = await stored(server, interviews["latest"])
    answers = [t for t in interview["turns"] if t["speaker"] == "candidate"]
    await page.goto(f"{server.url}/interviews/{interviews['latest']}")
    turns = page.get_by_test_id("review-turn")
    await expect(turns).to_have_count(len(answers))
    scores = [a["score"]["overall"] for a in answers]
    await expect(page.get_by_test_id("overall-score")).to_have_text(
        str(js_round(sum(scores) / len(scores)))
    )
    for i, answer in enumerate(answers):
        turn = turns.nth(i)
        await expect(turn).to_have_attribute("data-turn-id", answer["id"])
        await expect(turn.get_by_test_id("review-transcript")).to_have_text(answer["text"])
        await expect(turn.get_by_test_id("turn-score")).to_contain_text(
            str(answer["score"]["overall"])
        )
        practice = turn.get_by_test_id("practice-again")
        await expect(practice).to_have_attribute("href", f"/?practice={answer['question_id']}")
    for question in interview["questions"]:
        await expect(page.get_by_text(question["text"], exact=True)).to_be_visible()

    spoken = turns.nth(0)
    words = spoken.get_by_test_id("review-word")
    await expect(words).to_have_count(len(answers[0]["words"]))
    typed_turn = turns.nth(1)
    await expect(typed_turn.get_by_test_id("review-audio")).to_have_count(0)
    await expect(typed_turn.get_by_test_id("review-delivery")).to_contain_text("Typed answer")
    await expect(spoken.get_by_test_id("review-delivery")).to_contain_text("words/min")
    await expect(spoken.get_by_test_id("review-rebuilt")).to_contain_text("Situation")

    # The stored recording plays, and the lit word follows it.
    audio = spoken.get_by_test_id("review-audio")
    await expect(audio).to_have_attribute("src", answers[0]["audio_url"])
    await audio.evaluate("a => a.play()")
    seen: list[tuple[float, int, float, float]] = []
    for _ in range(80):
        state = await spoken.evaluate(
            """turn => {
                const a = turn.querySelector('audio');
                const w = turn.querySelector('[data-testid="review-word"][data-active]');
                return [a.currentTime, w ? Number(w.dataset.wordIndex) : -1,
                        w ? Number(w.dataset.start) : -1, w ? Number(w.dataset.end) : -1];
            }"""
        )
        if state[1] >= 0:
            seen.append(tuple(state))
        if len({s[1] for s in seen}) >= 6 and state[0] > 3:
            break
        await asyncio.sleep(0.1)
    assert len({s[1] for s in seen}) >= 6, f"the lit word moved with playback: {seen}"
    indexes = [s[1] for s in seen]
    assert indexes == sorted(indexes), "words are lit in spoken order"
    for current_time, _index, start, end in seen:
        assert start <= current_time + 0.15 and current_time <= end + 1.2
    await expect(spoken.locator('[data-testid="review-word"][data-active]')).to_have_count(1)
    await audio.evaluate("a => a.pause()")
    await page.screenshot(path=screenshot("review-playing.png"))

    # Selecting a rubric point lights exactly the words that earned it.
    criteria = answers[0]["score"]["criteria"]
    met = next(c for c in criteria if c["met"] and c["evidence"])
    button = spoken.locator(f'[data-testid="review-criterion"][data-criterion-id="{met["id"]}"]')
    await button.click()
    await expect(button).to_have_attribute("aria-pressed", "true")
    marks = spoken.get_by_test_id("review-transcript").locator("mark")
    expected = merged_evidence(answers[0]["text"], met["evidence"])
    await expect(marks).to_have_count(len(expected))
    assert await marks.all_text_contents() == expected
    lit_words = await spoken.get_by_test_id("review-word").evaluate_all(
        "ws => new Set(ws.map(w => w.dataset.wordIndex)).size"
    )
    assert lit_words == len(answers[0]["words"]), "every word stays playable inside evidence"
    unmet = next((c for c in criteria if not c["met"]), None)
    if unmet is not None:
        other = spoken.locator(
            f'[data-testid="review-criterion"][data-criterion-id="{unmet["id"]}"]'
        )
        await other.click()
        await expect(marks).to_have_count(0)
        await expect(spoken.locator(".evidence-note")).to_contain_text("Nothing in this answer")
        await expect(spoken.get_by_test_id("review-missing")).to_contain_text(unmet["label"])
        await button.click()
        await expect(marks).to_have_count(len(expected))
    await spoken.scroll_into_view_if_needed()
    await page.evaluate("window.scrollTo(0, 0)")
    await page.screenshot(path=screenshot("review.png"))
    publish("review.png")


def merged_evidence(text: str, evidence: list[dict[str, Any]]) -> list[str]:
    ranges: list[list[int]] = []
    for start, end in sorted((e["start"], e["end"]) for e in evidence):
        if ranges and start <= ranges[-1][1]:
            ranges[-1][1] = max(ranges[-1][1], end)
        else:
            ranges.append([start, end])
    return [text[start:end] for start, end in ranges]


async def test_a_skipped_question_and_a_missing_interview_are_said_plainly(
    server, interviews, page
):
    from playwright.async_api import expect

    interview = await stored(server, interviews["second"])
    await page.goto(f"{server.url}/interviews/{interviews['second']}")
    await expect(page.get_by_test_id("review-turn")).to_have_count(1)
    skipped = page.get_by_test_id("review-skipped")
    await expect(skipped).to_have_count(1)
    await expect(skipped).to_contain_text(interview["questions"][1]["text"])
    await expect(skipped).to_contain_text("Skipped")
    await expect(skipped.get_by_test_id("practice-again")).to_have_attribute(
        "href", f"/?practice={interview['questions'][1]['id']}"
    )
    await expect(page.get_by_test_id("rescore-notice")).to_be_hidden()

    await page.goto(f"{server.url}/interviews/no-such-interview")
    await expect(page.get_by_test_id("error-message")).to_contain_text("does not exist")
    await expect(page.get_by_test_id("review-turn")).to_have_count(0)


async def test_rescoring_an_outdated_answer_is_offered_and_explicit(
    server, database_url, interviews, page
):
    from playwright.async_api import expect
    from sqlalchemy import update

    from app.db.engine import make_engine, make_sessionmaker
    from app.db.models import Turn

    interview = await stored(server, interviews["first"])
    answer = next(t for t in interview["turns"] if t["speaker"] == "candidate")
    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine).begin() as db:
            old = {**answer["score"], "rubric_version": 0, "overall": 3}
            await db.execute(
                update(Turn).where(Turn.id == answer["id"]).values(score=old, rubric_version=0)
            )
    finally:
        await engine.dispose()

    await page.goto(f"{server.url}/interviews/{interviews['first']}")
    score = page.get_by_test_id("turn-score")
    await expect(score).to_have_text("3/100")
    await expect(page.get_by_test_id("rescore-message")).to_contain_text("older rubric")
    await expect(page.get_by_test_id("scored-with")).to_contain_text("v0")
    await page.get_by_test_id("rescore").click()
    await expect(page.get_by_test_id("rescore-message")).to_contain_text("Re-scored 1 answer")
    await expect(score).to_have_text(f"{answer['score']['overall']}/100")
    await expect(page.get_by_test_id("scored-with")).to_contain_text("was 3 with v0")
    await expect(page.get_by_test_id("rescore")).to_be_hidden()


async def test_review_downloads_markdown_and_json_and_prints_cleanly(server, interviews, page):
    from playwright.async_api import expect

    interview = await stored(server, interviews["latest"])
    await page.goto(f"{server.url}/interviews/{interviews['latest']}")
    await expect(page.get_by_test_id("review-turn")).to_have_count(2)

    async with page.expect_download() as md_download:
        await page.get_by_test_id("export-md").click()
    md = await md_download.value
    assert md.suggested_filename.endswith(".md")
    text = Path(await md.path()).read_text(encoding="utf-8")
    await md.save_as(ARTIFACTS / md.suggested_filename)
    for question in interview["questions"]:
        assert f"## {question['text']}" in text

    async with page.expect_download() as json_download:
        await page.get_by_test_id("export-json").click()
    exported = await json_download.value
    assert exported.suggested_filename.endswith(".json")
    data = json.loads(Path(await exported.path()).read_text(encoding="utf-8"))
    assert data["id"] == interview["id"]
    assert [t["text"] for t in data["turns"]] == [t["text"] for t in interview["turns"]]

    await page.emulate_media(media="print")
    for hidden in ("review-audio", "export-md", "delete-interview", "practice-again"):
        assert not await page.get_by_test_id(hidden).first.is_visible(), hidden
    await expect(page.get_by_test_id("review-transcript").first).to_be_visible()
    await expect(page.locator(".evidence-quotes").first).to_be_visible()
    await page.screenshot(path=screenshot("review-print.png"), full_page=True)
    pdf = await page.pdf(path=str(ARTIFACTS / "review.pdf"), format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


async def test_progress_charts_each_scored_interview(server, interviews, page):
    from playwright.async_api import expect

    async with httpx.AsyncClient(base_url=server.url) as http:
        points = (await http.get("/api/v1/progress")).json()
    await page.goto(f"{server.url}/progress")
    charts = page.get_by_test_id("progress-chart")
    await expect(charts).to_have_count(4)
    metrics = await charts.evaluate_all("cs => cs.map(c => c.dataset.metric)")
    assert metrics == ["overall", "star", "pace", "fillers"]
    overall = page.locator('[data-testid="progress-chart"][data-metric="overall"]')
    await expect(overall).to_have_attribute("data-points", str(len(points)))
    await expect(overall.locator("circle")).to_have_count(len(points))
    titles = await overall.locator("circle title").all_text_contents()
    assert [t.rsplit(" ", 1)[1] for t in titles] == [str(js_round(p["overall"])) for p in points]
    star = page.locator('[data-testid="progress-chart"][data-metric="star"]')
    await expect(star.locator(".chart-row")).to_have_count(4)
    cells = await star.locator(".chart-row").first.locator("title").all_text_contents()
    assert len(cells) == len(points)
    for title, point in zip(cells, points, strict=True):
        share = point["star"]["situation"]
        assert title.endswith("no story" if share is None else f"{js_round(share * 100)}%")
    rows = page.get_by_test_id("progress-row")
    await expect(rows).to_have_count(len(points))
    await page.screenshot(path=screenshot("progress.png"), full_page=True)
    publish("progress.png")


async def test_deleting_an_interview_removes_it_everywhere(server, interviews, page):
    from playwright.async_api import expect

    doomed = interviews["doomed"]
    await page.goto(f"{server.url}/interviews/{doomed}")
    await expect(page.get_by_test_id("review-turn")).to_have_count(1)
    dialogs: list[str] = []

    async def dismiss_first_then_accept(dialog: Any) -> None:
        dialogs.append(dialog.message)
        await (dialog.dismiss() if len(dialogs) == 1 else dialog.accept())

    page.on("dialog", dismiss_first_then_accept)
    await page.get_by_test_id("delete-interview").click()
    await expect(page).to_have_url(re.compile(f"/interviews/{doomed}$"))
    await page.get_by_test_id("delete-interview").click()
    await expect(page.get_by_test_id("history-notice")).to_contain_text("deleted")
    assert "recordings" in dialogs[0]
    await expect(page.locator(f'[data-interview-id="{doomed}"]')).to_have_count(0)
    async with httpx.AsyncClient(base_url=server.url) as http:
        assert (await http.get(f"/api/v1/interviews/{doomed}")).status_code == 404


async def test_words_and_evidence_map_onto_the_transcript_text(server, page):
    """The review's pure model, run in the browser: words found in order despite case and
    punctuation, a word the transcript lacks is never lit, evidence may cut through a word."""
    await page.goto(f"{server.url}/history")
    result = await page.evaluate(
        """async () => {
            const m = await import('/static/js/review-model.js');
            const text = 'Um, last year our Checkout went down.';
            const words = [['um', 0, .4], ['last', .5, .7], ['year', .7, .9], ['zebra', .9, 1],
                           ['our', 1, 1.2], ['checkout', 1.2, 1.6], ['went', 1.6, 1.8],
                           ['down', 1.8, 2.1]].map(([text, start, end]) => ({text, start, end}));
            const ranges = m.wordRanges(text, words);
            const evidence = m.evidenceRanges(text, [{text: 'year our Check', start: 9, end: 23}]);
            const cut = m.transcriptSegments(text, ranges, evidence)
                .filter((s) => s.evidence).map((s) => [text.slice(s.start, s.end), s.word]);
            const lit = [0.2, 0.95, 1.3, 3.0, 9].map((t) => m.activeWordIndex(words, t));
            return {spans: ranges.map((r) => r && text.slice(r.start, r.end)), cut, lit};
        }"""
    )
    assert result["spans"] == ["Um", "last", "year", None, "our", "Checkout", "went", "down"]
    assert result["cut"] == [["year", 2], [" ", None], ["our", 4], [" ", None], ["Check", 5]]
    assert result["lit"] == [0, 3, 5, 7, -1]
