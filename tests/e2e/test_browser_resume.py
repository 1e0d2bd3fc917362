"""Going on with an interview in the browser: after a reload, from the history page, and after
being signed out mid-interview (accounts mode), each time at the question the candidate was on."""

from __future__ import annotations

import pytest

from tests.app import auth_support
from tests.app.auth_support import PASSWORD, new_name
from tests.e2e.conftest import launch_with_microphone

pytestmark = pytest.mark.slow

accounts_database_url = auth_support.accounts_database_url
accounts_server = auth_support.accounts_server


async def start_interview(page) -> str:
    """Start from the setup page; the first question's text once Viva listens."""
    from playwright.async_api import expect

    start = page.get_by_test_id("start-interview")
    await expect(start).to_be_enabled(timeout=30_000)
    await page.get_by_test_id("question-count").fill("2")
    await start.click()
    return await first_question(page)


async def first_question(page) -> str:
    from playwright.async_api import expect

    question = page.get_by_test_id("question-text")
    await expect(question).not_to_have_text("", timeout=30_000)
    await expect(page.get_by_test_id("interview-state")).to_have_text("listening", timeout=60_000)
    return (await question.text_content() or "").strip()


async def continue_interview(page) -> str:
    """On the "your interview is waiting" card: Continue, then the question asked again."""
    from playwright.async_api import expect

    await expect(page.get_by_test_id("resume")).to_be_visible(timeout=15_000)
    await expect(page.get_by_test_id("resume-summary")).to_contain_text("0 answers so far")
    await page.get_by_test_id("resume-interview").click()
    return await first_question(page)


async def test_a_reload_or_the_history_page_goes_on_with_the_interview(
    server, silent_microphone, chromium_path, artifacts
):
    from playwright.async_api import async_playwright, expect

    async with async_playwright() as playwright:
        browser = await launch_with_microphone(playwright, chromium_path, silent_microphone)
        page = await browser.new_page(viewport={"width": 1200, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        await page.goto(server.url)
        asked = await start_interview(page)
        assert "?interview=" in page.url
        interview_id = page.url.split("?interview=")[1]

        await page.reload()
        await expect(page.get_by_test_id("setup")).to_be_hidden()
        await expect(page.get_by_test_id("resume-interview")).to_be_enabled()
        await page.screenshot(path=str(artifacts / "interview-waiting.png"))
        assert await continue_interview(page) == asked
        await page.screenshot(path=str(artifacts / "interview-resumed.png"))

        await page.goto(f"{server.url}/history")
        row = page.locator(f'[data-testid="history-row"][data-interview-id="{interview_id}"]')
        await row.get_by_test_id("history-continue").click()
        assert await continue_interview(page) == asked
        await browser.close()
    assert not errors, errors


async def test_signed_out_mid_interview_signs_in_again_and_goes_on(
    accounts_server, silent_microphone, chromium_path, artifacts
):
    from playwright.async_api import async_playwright, expect

    async with async_playwright() as playwright:
        browser = await launch_with_microphone(playwright, chromium_path, silent_microphone)
        context = await browser.new_context(viewport={"width": 1200, "height": 900})
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        username = new_name("candidate")
        await page.goto(f"{accounts_server.url}/register")
        await page.get_by_test_id("register-username").fill(username)
        await page.get_by_test_id("register-password").fill(PASSWORD)
        await page.get_by_test_id("register-password-again").fill(PASSWORD)
        await page.get_by_test_id("register-submit").click()
        await expect(page.get_by_test_id("setup")).to_be_visible()
        asked = await start_interview(page)

        # Signed out in another tab: this one's interview stops and says how to go on.
        other = await context.new_page()
        await other.goto(f"{accounts_server.url}/account")
        await other.get_by_test_id("logout").click()
        await expect(other.get_by_test_id("login-form")).to_be_visible()
        await other.close()

        message = page.get_by_test_id("error-message")
        await expect(message).to_contain_text("signed out", timeout=15_000)
        await expect(page.get_by_test_id("interview-state-label")).to_have_text("Signed out")
        await page.screenshot(path=str(artifacts / "interview-signed-out.png"))
        action = page.get_by_test_id("error-action")
        await expect(action).to_have_text("Sign in")
        await action.click()
        await page.get_by_test_id("login-username").fill(username)
        await page.get_by_test_id("login-password").fill(PASSWORD)
        await page.get_by_test_id("login-submit").click()
        assert await continue_interview(page) == asked
        await browser.close()
    assert not errors, errors
