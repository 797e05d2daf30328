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


PHONE = {"width": 360, "height": 740}  # a small Android phone, as many 통장 carry


async def new_buttons_in_view(page) -> list[str]:
    """The labels of the latest message's buttons that are not wholly inside the viewport."""
    return await page.evaluate("""() => {
        const boxes = document.querySelectorAll('#chat .buttons');
        if (!boxes.length) return ['no buttons'];
        const out = [];
        for (const b of boxes[boxes.length - 1].querySelectorAll('button')) {
            const r = b.getBoundingClientRect();
            if (r.top < 0 || r.bottom > window.innerHeight || r.left < 0 || r.right > window.innerWidth) out.push(b.textContent);
        }
        return out;
    }""")


async def too_small(page) -> list[str]:
    """Every visible button, link and input smaller than 44×44 CSS px (a finger's width)."""
    return await page.evaluate("""() => Array.from(document.querySelectorAll('button, a, input'))
        .filter(e => e.offsetParent !== null)
        .map(e => [e.textContent || e.id, e.getBoundingClientRect()])
        .filter(([_, r]) => r.width < 44 || r.height < 44)
        .map(([t, r]) => t + ' ' + Math.round(r.width) + 'x' + Math.round(r.height))""")


async def test_a_full_report_in_the_playground_on_a_small_phone(served, tmp_path):
    from playwright.async_api import async_playwright

    base, settings = served
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport=PHONE, locale="ko-KR")
        await page.goto(f"{base}/playground")
        await page.get_by_text("무엇을 도와드릴까요?").wait_for()
        header = await page.locator("header").inner_text()
        assert "살핌 미리 해 보기" in header and "playground" not in header.lower()  # Korean first
        assert await page.get_attribute("html", "lang") == "ko"
        assert await page.get_attribute("#text", "placeholder") == "메시지 입력 · /start"
        # The menu's emergency line: each number one tap to call.
        calls = {await a.get_attribute("href") for a in await page.locator("#chat a.call").all()}
        assert {"tel:112", "tel:119", "tel:109", "tel:129"} <= calls, calls
        seen_steps = 0

        async def click(label: str, *, then: str | None = None) -> None:
            nonlocal seen_steps
            before = await page.locator("#chat .buttons").count()
            await page.locator(".buttons button:not([disabled])", has_text=label).first.click()
            if then is not None:
                await page.get_by_text(then).last.wait_for()
            else:
                await page.locator("#chat .buttons").nth(before).wait_for()  # the next keyboard arrived
            await page.wait_for_timeout(50)  # let the scroll settle
            assert await new_buttons_in_view(page) == [], label
            assert await too_small(page) == [], label
            seen_steps += 1

        await click("위기가구 알리기", then="누구의 일인가요?")
        await click("이웃·지인", then="알려 주시는 분은 누구신가요?")
        await click("주민·이웃", then="어떤 모습을 보셨나요?")
        await click("고립·연락 끊김")
        await page.locator("button:not([disabled])", has_text="선택 완료 (1)").wait_for()
        await click("선택 완료", then="어떤 가구인가요?")
        await click("혼자 사는 어르신")
        await click("80세 이상")
        await click("여성", then="어느 동인가요?")
        await click("혜화동", then="주소나")
        await click("건너뛰기", then="보고 들은 것을")
        await page.fill("#text", "우편물이 쌓여 있고 며칠째 안 보여요")
        await page.click("#send")
        await page.get_by_text("오늘 누군가 찾아가서 확인해야 할까요?").wait_for()  # the 고독사 pattern
        await page.wait_for_timeout(50)
        assert await new_buttons_in_view(page) == []
        await click("아니요, 급하지 않아요", then="담당자가 궁금한 점을")
        await click("익명으로 할게요", then="마지막 확인")
        assert seen_steps == 12
        summary = await page.locator("#chat .bubble.bot").last.inner_text()
        assert "동의 안내" in summary and "report-consent" not in summary  # the version is stored, not shown
        await page.screenshot(path=str(tmp_path / "summary.png"))
        # "그만두기" never breaks in the middle: the label is one line high.
        stop = page.locator(".buttons button:not([disabled])", has_text="그만두기").last
        box = await stop.bounding_box()
        line = await stop.evaluate("b => parseFloat(getComputedStyle(b).lineHeight) || 20")
        assert box["height"] < 44 + line - 1, box
        # Reset asks before throwing a half-made report away: "no" keeps everything.
        asked: list[str] = []

        async def answer(dialog, accept: bool) -> None:
            asked.append(dialog.message)
            await (dialog.accept() if accept else dialog.dismiss())

        page.once("dialog", lambda d: answer(d, False))
        await page.click("#reset")
        await page.wait_for_timeout(100)
        assert asked and "지워져요" in asked[0]
        assert await page.get_by_text("마지막 확인").count() == 1  # still there
        await click("동의하고 접수", then="접수번호")
        receipt = page.locator("#chat .receipt").last
        number = await receipt.inner_text()
        assert number.startswith("SP-") and await receipt.evaluate("e => getComputedStyle(e).whiteSpace") == "nowrap"
        rects = await receipt.evaluate("e => e.getClientRects().length")
        assert rects == 1  # one line box: the number is never split
        headers = (await page.request.get(f"{base}/playground")).headers
        assert headers["x-frame-options"] == "DENY" and "default-src 'self'" in headers["content-security-policy"]
        assert await page.locator("#location-form").is_hidden()  # shown only after 📍 is pressed
        # 🆘 in the nav row: every number of the full list is a tel: link.
        await click("위기가구 알리기", then="누구의 일인가요?")
        await page.locator(".buttons button:not([disabled])", has_text="긴급").last.click()
        await page.get_by_text("자살예방상담전화").wait_for()
        full = page.locator("#chat .bubble.bot", has_text="자살예방상담전화").last
        hrefs = [await a.get_attribute("href") for a in await full.locator("a.call").all()]
        assert hrefs == ["tel:112", "tel:119", "tel:109", "tel:15770199", "tel:129"], hrefs
        # and the numbers the reply names come as big call cards too (Telegram's contact cards)
        cards = [await a.get_attribute("href") for a in await page.locator("#chat a.call-card").all()]
        assert cards[-4:] == ["tel:112", "tel:119", "tel:109", "tel:129"], cards
        assert await too_small(page) == []
        # With the report begun, a reset asks; yes starts a new chat.
        page.once("dialog", lambda d: answer(d, True))
        await page.click("#reset")
        await page.get_by_text("무엇을 도와드릴까요?").wait_for()
        assert len(asked) == 2 and await page.locator("#chat .bubble.me").count() == 0
        await browser.close()


async def test_the_page_speaks_english_when_the_browser_asks(served):
    from playwright.async_api import async_playwright

    base, _ = served
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport=PHONE, locale="en-US")
        await page.goto(f"{base}/playground")
        await page.get_by_text("What would you like to do?").wait_for()
        assert "Salpim playground" in await page.locator("header").inner_text()
        assert await page.get_attribute("#send", "type") == "submit" and await page.inner_text("#send") == "Send"
        assert await too_small(page) == []
        await browser.close()
