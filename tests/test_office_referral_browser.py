"""The web office's part 2 in real headless Chromium (Debian's, driven by Playwright) at a desk's
1280×800 and a tablet's 768×1024: a caseworker makes a referral from the case page (the consent
check shown before sending), the partner signs in by link and answers it in one press each
(접수, 수락), the coordinator sees the overdue reply on the 시군구 overview, and the print form.
Every page is checked with axe-core (tests/axe.min.js): no serious or critical violation.

SALPIM_OFFICE_SCREENSHOTS=1 also writes referrals.png, referral.png, refer.png, overview.png and
print_referral.png into docs/office/ (Korean fonts: Debian's fonts-noto-cjk)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from core import cases as core_cases
from core import drop_offs
from core import referrals as core_referrals
from state import referrals as referral_store
from state.timeutil import utcnow
from tests.office_world import IHWA
from tests.test_office_browser import CHROMIUM, CHROMIUM_ARGS, DESK, TABLET, office, serious_violations, shoot, sign_in

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it)")]
CONSENT = {"general_data": True, "unique_identifiers": False, "sensitive_data": True, "third_party": True}
__all__ = ["office"]  # the fixture, shared with tests/test_office_browser.py


async def _case(world, *, now=None) -> int:
    filed = await world.file(situations=("isolation", "mental_health"))
    async with world.services.db.transaction() as conn:
        work, cw = world.work(conn, now), await world.actor(conn, "cw")
        case_id = (await core_cases.take_report(work, cw, filed.id)).case.id
        await core_referrals.record_consent(work, cw, case_id, CONSENT, ["jn-mental"])
    return case_id


@pytest.mark.parametrize("viewport", [DESK, TABLET], ids=["desk", "tablet"])
async def test_a_referral_from_the_case_page_to_the_partner_and_the_coordinator(office, viewport, tmp_path):
    from playwright.async_api import async_playwright

    base, world = office
    wide = viewport is DESK
    case_id = await _case(world)
    # An older referral whose reply is long overdue: what the coordinator must see.
    earlier = utcnow() - timedelta(days=30)
    old_case = await _case(world, now=earlier)
    async with world.services.db.transaction() as conn:
        late = await core_referrals.refer(world.work(conn, earlier), await world.actor(conn, "cw"), old_case,
                                          "jn-mental", need="mental_health")
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # The caseworker refers the case from its page.
        context, page = await sign_in(browser, base, world, "cw", viewport)
        await page.goto(f"{base}/office/cases/{case_id}")
        await page.get_by_role("link", name="의뢰하기").click()
        await page.get_by_label("어떤 도움이 필요한가요?").select_option("mental_health")
        await page.get_by_role("button", name="기관 보기").click()
        await page.get_by_text("동의서에 있는 기관이에요.").first.wait_for()  # the consent check, before sending
        await page.get_by_role("radio", name="종로구정신건강복지센터").check()
        await page.get_by_label("주 의뢰 문제와 의뢰 서비스", exact=False).fill("우울감이 심해 보여요. 상담 연계 부탁드려요.")
        assert await serious_violations(page) == []
        if wide:
            await shoot(page, "refer.png", tmp_path)
        await page.get_by_role("button", name="의뢰 보내기").click()
        await page.get_by_text("의뢰를 보냈어요").wait_for()
        assert await serious_violations(page) == []
        referral_id = int(page.url.split("/referrals/")[1].split("?")[0])
        await context.close()

        # The partner signs in by link and answers it: one press each.
        context, page = await sign_in(browser, base, world, "partner", viewport)
        assert "/office/referrals" in page.url
        assert await serious_violations(page) == []
        rows = page.locator("section", has_text="회신 기한 넘김").first
        assert f"의뢰 #{late.id}" in await rows.inner_text()  # the late one first
        if wide:
            await shoot(page, "referrals.png", tmp_path)
        await page.get_by_role("button", name=f"의뢰 #{referral_id} 접수", exact=True).click()
        await page.get_by_text("답변을 저장했어요").wait_for()
        await page.get_by_role("button", name=f"의뢰 #{referral_id} 수락", exact=True).click()
        await page.get_by_text("답변을 저장했어요").wait_for()
        await page.get_by_role("link", name=f"의뢰 #{referral_id}").first.click()
        await page.get_by_text("우울감이 심해 보여요").wait_for()
        assert "며칠째 안 보여요" in await page.locator("main").inner_text()  # consented details, for the receiver
        assert await serious_violations(page) == []
        if wide:
            await shoot(page, "referral.png", tmp_path)
        await page.get_by_role("link", name="서비스 의뢰서 (서식6) 인쇄").click()
        await page.get_by_role("heading", name="서비스 의뢰서").wait_for()
        assert await serious_violations(page) == []
        if wide:
            await page.emulate_media(media="print")
            await shoot(page, "print_referral.png", tmp_path)
            await page.emulate_media(media="screen")
        await context.close()
        async with world.services.db.read() as conn:
            assert (await referral_store.load(conn, referral_id)).state.value == "accepted"

        # The coordinator sees the overdue reply on the 시군구 overview, with the week's reports of
        # another 동 and where people gave up in the dialogs (counted by the service, no person).
        await world.file(dong=IHWA, urgent=True)
        async with world.services.db.transaction() as conn:
            for flow, question, how in (("report", "situations", "cancelled"), ("report", "description", "expired"),
                                        ("report", "description", "expired"), ("finder", "monthly_income", "cancelled")):
                await drop_offs.count(world.work(conn), flow, question, how)
        context, page = await sign_in(browser, base, world, "coordinator", viewport)
        await page.get_by_role("link", name="시군구 현황").click()
        late_list = page.locator("section", has_text="기관별 회신 현황")
        await late_list.get_by_role("link", name=f"의뢰 #{late.id}").wait_for()
        assert "종로구정신건강복지센터" in await late_list.inner_text()
        assert await page.locator("svg.chart").count() == 2
        gave_up = await page.locator("section", has_text="멈춘 곳").inner_text()
        assert "본 것 적기" in gave_up and "월 소득" in gave_up
        assert "며칠째 안 보여요" not in await page.locator("main").inner_text()
        assert await serious_violations(page) == []
        if wide:
            await shoot(page, "overview.png", tmp_path)
        await context.close()
        await browser.close()
