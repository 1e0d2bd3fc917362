"""A person's interview in a real browser: headless Chromium with a fake microphone playing a
real recording, against a real server with the real models and database."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import numpy as np
import pytest

from audio.codecs import decode_file
from tests.e2e.conftest import launch_with_microphone, write_microphone

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fake_microphone(jfk_path, tmp_path_factory) -> Path:
    """jfk.flac then 6 s of quiet, as a WAV Chromium loops as its microphone."""
    audio = np.concatenate([decode_file(jfk_path), np.zeros(16_000 * 6, dtype=np.float32)])
    path = tmp_path_factory.mktemp("mic") / "answer.wav"
    return write_microphone(path, (audio * 32767).astype("<i2").tobytes())


def words(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text.lower()).split())


async def test_spoken_interview_in_the_browser(server, fake_microphone, chromium_path, artifacts):
    from playwright.async_api import async_playwright, expect

    async with async_playwright() as playwright:
        browser = await launch_with_microphone(playwright, chromium_path, fake_microphone)
        page = await browser.new_page(viewport={"width": 1200, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        await page.goto(server.url)
        await page.get_by_test_id("role-select").select_option("backend-engineer")
        await page.get_by_test_id("round-select").select_option("behavioral")
        await page.get_by_test_id("question-count").fill("2")
        await expect(page.get_by_test_id("mic-level")).to_be_visible()
        await page.screenshot(path=str(artifacts / "setup.png"))
        await page.get_by_test_id("start-interview").click()

        question = page.get_by_test_id("question-text")
        await expect(question).not_to_have_text("", timeout=30_000)
        first_question = (await question.text_content() or "").strip()
        state = page.get_by_test_id("interview-state")
        await expect(state).to_have_text("listening", timeout=60_000)
        heard = await page.get_by_test_id("interview").get_attribute("data-heard-seconds")
        assert heard is not None and float(heard) > 2.0, "the question was voiced"

        captions = page.get_by_test_id("live-transcript")
        await expect(captions).to_contain_text(re.compile("country", re.I), timeout=60_000)
        await page.screenshot(path=str(artifacts / "interview-listening.png"))
        await page.get_by_test_id("done-answering").click()
        await expect(question).not_to_have_text(first_question, timeout=60_000)
        next_prompt = (await question.text_content() or "").strip()
        assert next_prompt and next_prompt != first_question
        await page.screenshot(path=str(artifacts / "interview-next-prompt.png"))
        await browser.close()
    assert not errors, errors

    async with httpx.AsyncClient(base_url=server.url) as http:
        history = (await http.get("/api/v1/interviews")).json()
        newest = history[0]["id"]
        interview = (await http.get(f"/api/v1/interviews/{newest}")).json()
    answers = [t for t in interview["turns"] if t["speaker"] == "candidate"]
    assert answers, "the answer was stored"
    assert "country" in words(answers[0]["text"])
    assert answers[0]["question_id"] == interview["questions"][0]["id"]
