"""Scoring an answer on the "Score an answer" page, in a real browser."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import CHROMIUM_FLAGS

pytestmark = pytest.mark.slow

ANSWER = (
    "last year our checkout service timed out during a sale. i was on call and responsible for "
    "it. i found a missing index and added it, and latency dropped from two seconds to 150 ms."
)


async def test_paste_an_answer_and_see_the_evidence(server, chromium_path, artifacts):
    from playwright.async_api import async_playwright, expect

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium_path, args=CHROMIUM_FLAGS
        )
        page = await browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        await page.goto(f"{server.url}/score?question=behavioral.incident")
        await expect(page.get_by_test_id("score-question")).to_have_value("behavioral.incident")
        await page.get_by_test_id("score-text").fill(ANSWER)
        await page.get_by_test_id("score-submit").click()
        overall = page.get_by_test_id("score-overall")
        await expect(overall).not_to_have_text("", timeout=15_000)
        assert 0 < int(await overall.text_content() or "0") <= 100
        met = page.locator('[data-testid="score-criterion"][data-met="true"]').first
        await met.click()
        marks = page.get_by_test_id("score-answer").locator("mark")
        await expect(marks.first).to_be_visible()
        assert (await marks.first.text_content() or "") in ANSWER
        await page.screenshot(path=str(artifacts / "score.png"), full_page=True)
        await browser.close()
    assert not errors, errors
