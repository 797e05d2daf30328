"""The web office in real headless Chromium (Debian's, driven by Playwright), at a desk's
1280×800 and a tablet's 768×1024: signing in by link, a caseworker taking a new urgent report
from the inbox with the keyboard alone and recording a follow-up call, the team leader approving
a selection. Every page is checked with axe-core (tests/axe.min.js, vendored from the npm
package axe-core 4.14.1, MPL-2.0): no serious or critical violation.

SALPIM_OFFICE_SCREENSHOTS=1 also writes the screenshots into docs/office/ (Korean fonts:
Debian's fonts-noto-cjk, installed by `make browser`).
"""
from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
import uvicorn

from integrations.app import create_app
from state.migrate import upgrade
from tests.harness import make_settings
from tests.office_world import make_world
from tests.test_office_pages import bring_to_selection
from tests.test_playground_browser import CHROMIUM, CHROMIUM_ARGS, free_port

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it)")]
AXE = (Path(__file__).resolve().parent / "axe.min.js").read_text(encoding="utf-8")
DOCS = Path(__file__).resolve().parents[1] / "docs" / "office"
DESK, TABLET = {"width": 1280, "height": 800}, {"width": 768, "height": 1024}


@pytest.fixture
async def office(sqlite_url, tmp_path):
    settings = make_settings(sqlite_url, None, tmp_path)
    await asyncio.to_thread(upgrade, settings.database_url)
    port = free_port()
    app = create_app(settings, strict_catalogs=True)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve())
    for _ in range(100):
        if server.started:
            break
        await asyncio.sleep(0.05)
    yield f"http://127.0.0.1:{port}", await make_world(app.state.services)
    server.should_exit = True
    await task


async def serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations of the page as it is now."""
    await page.evaluate(AXE + "\n;true")
    found = await page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
            .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', '));
    }""")
    return found


async def sign_in(browser, base: str, world, who: str, viewport: dict):
    context = await browser.new_context(viewport=viewport, locale="ko-KR")
    page = await context.new_page()
    await page.goto(f"{base}/office/sign-in/{await world.link(who)}")
    assert await serious_violations(page) == []
    await page.get_by_role("button", name="로그인").click()
    await page.wait_for_url(lambda url: "/sign-in" not in url)
    return context, page


async def shoot(page, name: str, tmp_path: Path) -> None:
    await page.screenshot(path=str(tmp_path / name), full_page=True)
    if os.environ.get("SALPIM_OFFICE_SCREENSHOTS"):
        DOCS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(DOCS / name), full_page=True)


@pytest.mark.parametrize("viewport", [DESK, TABLET], ids=["desk", "tablet"])
async def test_a_day_at_the_desk(office, viewport, tmp_path):
    from playwright.async_api import async_playwright

    base, world = office
    await world.file()
    await world.file(situations=("isolation", "money_basics"))
    urgent = await world.file(urgent=True, situations=("isolation",))
    wide = viewport is DESK
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context, page = await sign_in(browser, base, world, "cw", viewport)
        assert page.url.endswith("/office/inbox")
        assert await page.get_attribute("html", "lang") == "ko"
        first = page.locator("tbody tr").first
        assert urgent.receipt_no in await first.inner_text() and "긴급" in await first.inner_text()
        assert "혜화동" in await first.inner_text()
        assert await serious_violations(page) == []
        if wide:
            await shoot(page, "inbox.png", tmp_path)
        # The keyboard alone: Tab from the top of the page to the urgent report's take button.
        take = page.get_by_role("button", name=f"신고 {urgent.receipt_no} 담당하기")
        await page.locator("body").focus()
        for _ in range(40):
            await page.keyboard.press("Tab")
            if await take.evaluate("b => b === document.activeElement"):
                break
        else:
            pytest.fail("the take button cannot be reached with Tab")
        outline = await take.evaluate("b => getComputedStyle(b).outlineStyle")
        assert outline != "none"  # the focus can be seen
        await page.keyboard.press("Enter")
        await page.get_by_text("담당했어요").wait_for()
        assert urgent.receipt_no in await page.locator("h1").inner_text()
        assert await serious_violations(page) == []
        # A follow-up call, with the checklist's questions.
        await page.get_by_role("link", name="후속 통화 기록하기").click()
        await page.get_by_role("group", name="통화가 되었나요?").wait_for()
        assert await serious_violations(page) == []
        await page.get_by_label("안전", exact=True).select_option("same")
        await page.get_by_label("정신적 건강", exact=True).select_option("same")  # asked too: no default
        await page.get_by_label("메모", exact=False).fill("식사는 잘 하신대요")
        await page.get_by_role("button", name="저장").click()
        await page.get_by_text("후속 통화를 기록했어요").wait_for()
        timeline = await page.locator("ol.timeline").inner_text()
        assert "후속 통화: 통화됨" in timeline and "식사는 잘 하신대요" in timeline
        assert await serious_violations(page) == []
        if wide:
            await shoot(page, "case.png", tmp_path)
        await page.get_by_role("link", name="내 업무").click()
        assert urgent.receipt_no in await page.locator("main").inner_text()
        assert await serious_violations(page) == []
        await context.close()

        # The team leader approves a selection the caseworker brought to the meeting.
        async with world.services.db.read() as conn:
            from state import cases
            case_id = (await cases.by_report(conn, urgent.id)).id
        await bring_to_selection(world, case_id)
        context, page = await sign_in(browser, base, world, "tl", viewport)
        await page.get_by_role("link", name="팀 관리").click()
        assert await serious_violations(page) == []
        if wide:
            await shoot(page, "team.png", tmp_path)
        await page.locator("section", has_text="승인 기다리는 일").get_by_role("link", name=f"사례 #{case_id}").click()
        await page.get_by_role("button", name="사례관리 가구로 선정").click()
        await page.get_by_text("단계: 서비스 제공계획 수립").wait_for()
        assert await serious_violations(page) == []
        await context.close()
        await browser.close()
