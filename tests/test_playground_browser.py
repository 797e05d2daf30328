"""The playground in a real headless browser: Debian's chromium driven by Playwright.

Runs the service with uvicorn on a free loopback port and makes a whole report by clicking, as
a newcomer would. Skipped (with the reason) where chromium is not installed.
"""
from __future__ import annotations

import asyncio
import shutil
import socket

import pytest
import uvicorn

from integrations.app import create_app
from state.migrate import upgrade
from tests.harness import make_settings

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it)")]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def served(sqlite_url, tmp_path):
    settings = make_settings(sqlite_url, None, tmp_path)
    await asyncio.to_thread(upgrade, settings.database_url)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, strict_catalogs=True), host="127.0.0.1",
                                           port=port, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve())
    for _ in range(100):
        if server.started:
            break
        await asyncio.sleep(0.05)
    yield f"http://127.0.0.1:{port}", settings
    server.should_exit = True
    await task


async def test_a_full_report_in_the_playground(served, tmp_path):
    from playwright.async_api import async_playwright

    base, settings = served
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 390, "height": 760}, locale="ko-KR")
        await page.goto(f"{base}/playground")
        await page.get_by_text("무엇을 도와드릴까요?").wait_for()

        async def click(label: str) -> None:
            await page.locator(".buttons button:not([disabled])", has_text=label).first.click()

        await click("위기가구 알리기")
        await page.get_by_text("누가 알려 주시나요?").wait_for()
        await click("이웃·지인")
        await click("고립·연락 끊김")
        await page.locator("button:not([disabled])", has_text="선택 완료 (1)").wait_for()
        await click("선택 완료")
        await click("혼자 사는 어르신")
        await click("80세 이상")
        await click("여성")
        await click("혜화동")
        await click("건너뛰기")
        await page.fill("#text", "우편물이 쌓여 있고 며칠째 안 보여요")
        await page.click("#send")
        await click("아니요, 급하지 않아요")  # the 고독사 question: no same-day visit
        await click("익명으로 할게요")
        await page.get_by_text("마지막 확인").wait_for()
        await page.screenshot(path=str(tmp_path / "summary.png"))
        await click("동의하고 접수")
        receipt = page.get_by_text("접수번호")
        await receipt.wait_for()
        text = await receipt.inner_text()
        assert "SP-" in text
        headers = (await page.request.get(f"{base}/playground")).headers
        assert headers["x-frame-options"] == "DENY" and "default-src 'self'" in headers["content-security-policy"]
        assert await page.locator("#location-form").is_hidden()  # shown only after 📍 is pressed
        await browser.close()
