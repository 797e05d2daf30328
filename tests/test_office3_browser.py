"""The web office's part 3 in real headless Chromium (Debian's, driven by Playwright) at a desk's
1280×800: a caseworker finds a resource by need, 동 and words; records support on the case page
and, warned that the household already had it from another organisation this season, goes on
with a coded reason; records a conference and opens its 서식4; a partner lead re-verifies their
entry in one press. Every new page is checked with axe-core (tests/axe.min.js): no serious or
critical violation.

SALPIM_OFFICE_SCREENSHOTS=1 also writes resources.png, support_warning.png and print_minutes.png
into docs/office/ (Korean fonts: Debian's fonts-noto-cjk)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from core import cases as core_cases
from core import referrals as core_referrals
from core import resources as core_resources
from core import support as core_support
from welfare.korea_time import kst_today
from state.timeutil import utcnow
from tests.office_world import HYEHWA
from tests.test_office_browser import CHROMIUM, CHROMIUM_ARGS, DESK, office, serious_violations, shoot, sign_in

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it)")]
CONSENT = {"general_data": True, "unique_identifiers": False, "sensitive_data": True, "third_party": True}
__all__ = ["office"]  # the fixture, shared with tests/test_office_browser.py


async def _setting(world) -> int:
    """A 혜화동 case whose consent names the food bank, which gave kimjang ten days ago; and a stale
    entry of the mental health centre in the directory."""
    filed = await world.file(situations=("isolation", "mental_health"))
    async with world.services.db.transaction() as conn:
        work, cw = world.work(conn), await world.actor(conn, "cw")
        case_id = (await core_cases.take_report(work, cw, filed.id)).case.id
        await core_referrals.record_consent(work, cw, case_id, CONSENT, ["jn-food", "jn-mental"])
        food = await world.actor(conn, "partner_b")
        await core_support.record_support(work, food, case_id, "kimjang",
                                          given_on=kst_today(work.now) - timedelta(days=10), amount="10포기")
        await core_resources.create(work, await world.actor(conn, "admin"), {
            "key": "jn-mental-talk", "org_code": "jn-mental", "name": "마음 이야기 모임", "kind": "programme",
            "needs": ["mental_health"], "area": [HYEHWA], "description": "혼자 지내는 분들의 이야기 모임",
            "last_verified": (kst_today(work.now) - timedelta(days=200)).isoformat()})
    return case_id


async def test_a_resource_search_and_support_with_the_duplicate_warning(office, tmp_path):
    from playwright.async_api import async_playwright

    base, world = office
    case_id = await _setting(world)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context, page = await sign_in(browser, base, world, "cw", DESK)
        # The directory, from the menu: by need, 동 and words.
        await page.get_by_role("link", name="자원 찾기").first.click()
        await page.get_by_label("필요한 도움").select_option("mental_health")
        await page.get_by_label("동", exact=True).select_option("혜화동")
        await page.get_by_label("찾을 말").fill("이야기")
        await page.get_by_role("button", name="🔎 찾기").click()
        found = page.locator("ul.resources > li", has_text="마음 이야기 모임")
        await found.wait_for()
        assert "확인 필요" in await found.inner_text() and "종로구정신건강복지센터" in await found.inner_text()
        assert await serious_violations(page) == []
        await shoot(page, "resources.png", tmp_path)

        # Support on the case page: kimjang again, warned naming only the food bank and the month.
        await page.goto(f"{base}/office/cases/{case_id}")
        ledger = page.locator("section", has_text="누가 돕고 있나요?")
        assert "종로구 푸드뱅크" in await ledger.inner_text()
        assert await serious_violations(page) == []
        await page.get_by_label("지원 종류").select_option("kimjang")
        await page.get_by_label("양·횟수 (선택)").fill("20포기")
        await page.get_by_role("button", name="🎁 지원 기록").click()
        warning = page.get_by_role("alert")
        await warning.wait_for()
        text = await warning.inner_text()
        month = (kst_today(utcnow()) - timedelta(days=10)).strftime("%Y-%m")
        assert "이미 받았어요" in text and "종로구 푸드뱅크" in text and month in text and "10포기" not in text
        assert await serious_violations(page) == []
        await shoot(page, "support_warning.png", tmp_path)
        await page.get_by_label("그래도 기록하는 이유").select_option("larger_household")
        await page.get_by_role("button", name="💾 그래도 기록하기").click()
        await page.get_by_text("중복 알림을 넘긴 이유도 남겼어요").wait_for()
        assert "20포기" in await page.locator("section", has_text="누가 돕고 있나요?").inner_text()

        # A conference from the case page, and its 서식4.
        await page.goto(f"{base}/office/cases/{case_id}")
        await page.get_by_text("🗓 사례회의 기록하기").click()
        await page.get_by_label("종로구정신건강복지센터").check()
        await page.get_by_label("회의 제목").fill("정서 지원 논의")
        await page.get_by_label("회의 내용").fill("[주요 욕구와 문제] 고립감")
        await page.get_by_role("button", name="💾 기록하기").click()
        await page.get_by_text("사례회의를 기록했어요").wait_for()
        assert await serious_violations(page) == []
        await page.get_by_role("link", name="🖨 사례회의록 인쇄").first.click()
        await page.get_by_role("heading", name="사례회의록").wait_for()
        assert "정서 지원 논의" in await page.locator("main").inner_text()
        assert await serious_violations(page) == []
        await page.emulate_media(media="print")
        await shoot(page, "print_minutes.png", tmp_path)
        await context.close()

        # The centre's lead re-verifies its entry in one press; the edit form passes axe too.
        context, page = await sign_in(browser, base, world, "partner_lead", DESK)
        await page.goto(f"{base}/office/resources?q=이야기")
        await page.get_by_role("link", name="✏ 고치기 · 마음 이야기 모임").click()
        await page.get_by_label("정원").wait_for()
        assert await serious_violations(page) == []
        await page.go_back()
        await page.get_by_role("button", name="✅ 확인했어요 · 마음 이야기 모임").click()
        await page.get_by_text("오늘 날짜로 바뀌었어요").wait_for()
        assert "확인 필요" not in await page.locator("ul.resources").inner_text()
        assert await serious_violations(page) == []
        await context.close()
        await browser.close()
