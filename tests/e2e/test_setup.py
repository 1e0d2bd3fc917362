"""The setup page and the practice page in a real browser (headless Chromium, a silent fake
microphone) against a real server with the real models and database."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import launch_with_microphone

pytestmark = pytest.mark.slow

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
POSTING = """\
Senior Backend Engineer at Acme

Acme builds payment infrastructure for online marketplaces.
You will build event pipelines on Kafka and keep our Postgres databases healthy.
"""


@pytest.fixture
async def page(silent_microphone, chromium_path) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as playwright:
        browser = await launch_with_microphone(playwright, chromium_path, silent_microphone)
        page = await browser.new_page(viewport={"width": 1200, "height": 1000})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
        yield page
        await browser.close()
    assert not errors, errors


async def test_pasting_a_posting_tailors_the_preview_and_the_interview(server, page):
    from playwright.async_api import expect

    await page.goto(server.url)
    await page.get_by_test_id("role-select").select_option("backend-engineer")
    await page.get_by_test_id("round-select").select_option("mixed")
    await page.get_by_test_id("question-count").fill("4")
    items = page.get_by_test_id("preview-question")
    await expect(items).to_have_count(4)

    await page.get_by_text("Tailor to a job posting").click()
    await page.get_by_test_id("posting-text").fill(POSTING)
    await expect(page.get_by_test_id("profile-title")).to_have_text(
        "Senior Backend Engineer at Acme"
    )
    await expect(page.get_by_test_id("profile-terms")).to_contain_text("Kafka")
    reasons = page.get_by_test_id("preview-reason")
    matching = reasons.filter(has_text=re.compile(r"matches .*(Kafka|Postgres)"))
    await expect(matching).not_to_have_count(0)
    why = items.filter(has_text="Why are you interested in")
    await expect(why.get_by_test_id("preview-text")).to_have_text(
        "Why are you interested in the Senior Backend Engineer role at Acme?"
    )
    await expect(why.get_by_test_id("preview-reason")).to_contain_text("from the posting")
    for reason in await reasons.all_text_contents():
        assert reason.strip(), "every question says why it was chosen"
    previewed = [await item.get_attribute("data-question-id") for item in await items.all()]

    await page.get_by_test_id("timed-mode").check()
    await expect(page.get_by_test_id("answer-seconds")).to_be_enabled()
    await page.get_by_test_id("answer-seconds").fill("45")
    await expect(page.get_by_test_id("preview-estimate")).not_to_have_text("")
    await page.screenshot(path=str(ARTIFACTS / "setup-tailored.png"), full_page=True)

    await page.get_by_test_id("start-interview").click()
    await expect(page.get_by_test_id("interview-state")).to_have_text("listening", timeout=60_000)
    timer = page.get_by_test_id("answer-timer")
    await expect(timer).to_be_visible()
    await expect(timer).to_have_text(re.compile(r"^0:[0-4]\d$"))
    first = int(await timer.get_attribute("data-remaining") or 0)
    await page.wait_for_timeout(2_200)
    later = int(await timer.get_attribute("data-remaining") or 0)
    assert 0 < later < first <= 45, (first, later)
    await page.screenshot(path=str(ARTIFACTS / "interview-timed.png"))
    await page.get_by_test_id("stop-interview").click()
    await expect(page.get_by_test_id("finished")).to_be_visible(timeout=30_000)

    async with httpx.AsyncClient(base_url=server.url) as http:
        newest = (await http.get("/api/v1/interviews")).json()[0]["id"]
        interview = (await http.get(f"/api/v1/interviews/{newest}")).json()
    assert [q["id"] for q in interview["questions"]] == previewed
    texts = [q["text"] for q in interview["questions"]]
    assert "Why are you interested in the Senior Backend Engineer role at Acme?" in texts


async def test_practice_this_again_offers_a_drill(server, page):
    from playwright.async_api import expect

    await page.goto(f"{server.url}/?practice=backend.rate-limiter")
    await expect(page.get_by_test_id("drill-panel")).to_be_visible()
    await expect(page.get_by_test_id("plan-fields")).to_be_hidden()
    await expect(page.get_by_test_id("role-select")).to_have_value("backend-engineer")
    items = page.get_by_test_id("preview-question")
    await expect(items).to_have_count(3)
    await expect(items.first).to_contain_text("How would you design a rate limiter?")
    await page.get_by_test_id("drill-repeat").fill("2")
    await expect(items).to_have_count(2)
    await expect(page.get_by_test_id("start-interview")).to_have_text("Start drill")


async def test_practice_page_shows_the_week_and_ticks_days_off(server, page):
    from playwright.async_api import expect

    await page.goto(f"{server.url}/practice")
    await page.get_by_test_id("practice-role").select_option("frontend-engineer")
    await page.get_by_test_id("create-plan").click()
    days = page.get_by_test_id("practice-day")
    await expect(days).to_have_count(7)
    await expect(page.get_by_test_id("plan-title")).to_contain_text("Frontend Engineer")
    today = days.filter(has=page.get_by_test_id("today"))
    await expect(today).to_have_count(1)
    await expect(today).to_have_attribute("data-day", "1")
    await expect(page.get_by_test_id("plan-progress")).to_have_text("0 of 7 days done")

    await days.nth(1).get_by_test_id("day-done").click()
    await expect(days.nth(1)).to_have_attribute("data-done", "true")
    await expect(page.get_by_test_id("plan-progress")).to_have_text("1 of 7 days done")
    await page.reload()
    await expect(page.get_by_test_id("practice-day").nth(1)).to_have_attribute("data-done", "true")
    await page.screenshot(path=str(ARTIFACTS / "practice-week.png"), full_page=True)

    drills = today.get_by_test_id("drill")
    drill_ids = [await d.get_attribute("data-question-id") for d in await drills.all()]
    await today.get_by_test_id("start-day").click()
    await expect(page.get_by_test_id("drill-panel")).to_be_visible()
    await expect(page.get_by_test_id("role-select")).to_have_value("frontend-engineer")
    preview = page.get_by_test_id("preview-question")
    await expect(preview).to_have_count(len(drill_ids))
    shown = [await item.get_attribute("data-question-id") for item in await preview.all()]
    assert shown == drill_ids
