"""The support ledger through the real Telegram layer (fake Bot API), on SQLite and PostgreSQL:
the 동 caseworker records 김장 from the case card in five taps; the 푸드뱅크, whose referral of the
case was accepted, records 김장 for the same household from its referral card and is warned
first — told only "혜화동 찾아가는 보건복지팀" and the month, never the amount — and goes on with
a reason; 👥 누가 돕고 있나요? lists givers and kinds; emergency support shows the check against
other national programmes first; an organisation the consent does not name is refused."""
from __future__ import annotations

from sqlalchemy import select

from core import referrals as core_referrals
from core.actor import Channel, member_actor
from core.work import Work
from state import members
from state.models import AuditEntry, SupportEntry
from state.timeutil import utcnow
from tests.harness import TelegramUser, texts
from tests.test_referral_transcripts import (  # noqa: F401 - the fixture
    CASEWORKER, FOOD_WORKER, MENTAL_WORKER, _consent, _opened_case, office,
)
from welfare.korea_time import kst_today


async def _refer_and_accept(office, org: str, by: int) -> int:
    s = office.services
    async with s.db.transaction() as conn:
        work = Work(s.db, conn, s.cipher, s.runner.directory, utcnow())
        cw = member_actor(await members.member_by_telegram(conn, CASEWORKER), s.runner.directory, Channel.OFFICE)
        partner = member_actor(await members.member_by_telegram(conn, by), s.runner.directory, Channel.OFFICE)
        referral = await core_referrals.refer(work, cw, 1, org, need="economy")
        await core_referrals.reply(work, partner, referral.id, "accept")
    return referral.id


async def test_a_second_kimjang_warns_the_food_bank_naming_only_the_first_giver(office, fake_api):
    reporter, worker = await _opened_case(office, fake_api)
    await _consent(office, ["jn-food"])
    month = kst_today(utcnow()).isoformat()[:7]

    # The caseworker: 🎁 지원 기록 · 김장 · 오늘 · "20포기" · 💾 저장 — five taps and one word.
    await worker.say("/case 1")
    out = await worker.press("🎁 지원 기록")
    assert "어떤 지원을 했나요?" in texts(out)
    out = await worker.press("김장")
    assert "언제 했나요?" in texts(out)
    await worker.press("오늘")
    out = await worker.say("20포기")
    assert "지원: 김장" in texts(out) and "양·횟수: 20포기" in texts(out)
    out = await worker.press("💾 저장")
    assert "💾 사례 #1에 김장 지원" in texts(out)

    # The 푸드뱅크 accepted a referral of the case: from its referral card, 김장 again.
    referral = await _refer_and_accept(office, "jn-food", FOOD_WORKER)
    food = TelegramUser(office, fake_api, user_id=FOOD_WORKER)
    await food.say("/referrals")
    await food.press(f"R{referral}")
    taps = 0
    for label in ("🎁 지원 기록", "김장", "어제", "건너뛰기"):
        await food.press(label)
        taps += 1
    out = await food.press("💾 저장")
    taps += 1
    warning = texts(out)
    assert "⚠ 이 가구는 최근에 김장을 이미 받았어요." in warning
    assert f"• 혜화동 찾아가는 보건복지팀 ({month})" in warning
    assert "20포기" not in warning and "명륜길" not in warning and kst_today(utcnow()).isoformat() not in warning
    assert "가족이 많아 부족해요" in food.buttons() and "🛑 기록하지 않기" in food.buttons()
    async with office.services.db.read() as conn:
        assert len((await conn.execute(select(SupportEntry.id))).all()) == 1  # not yet
    out = await food.press("가족이 많아 부족해요")
    taps += 1
    assert "중복 알림을 넘긴 이유도 남겼어요" in texts(out)
    assert taps == 6  # five, and one more for the warning
    async with office.services.db.read() as conn:
        entries = (await conn.execute(select(SupportEntry.giver_org_code, SupportEntry.override_reason,
                                             SupportEntry.referral_id).order_by(SupportEntry.id))).all()
        override = (await conn.execute(select(AuditEntry.detail).where(AuditEntry.action == "support_override"))).scalar()
    assert [tuple(e) for e in entries] == [(None, None, None), ("jn-food", "larger_household", referral)]
    assert override["reason"] == "larger_household" and override["via"] == "telegram"

    # 👥 누가 돕고 있나요? — by giver and kind only.
    out = await worker.press("👥 누가 돕고 있나요?")
    serving = texts(out)
    assert "• 혜화동 찾아가는 보건복지팀: 김장" in serving and "• 종로구 푸드뱅크: 김장" in serving
    assert "20포기" not in serving

    # Nothing of it reaches the reporter.
    await reporter.say("/status")
    assert "김장" not in texts(reporter.new_messages())


async def test_emergency_support_first_checks_other_national_programmes(office, fake_api):
    reporter, worker = await _opened_case(office, fake_api)
    await worker.say("/case 1")
    await worker.press("🎁 지원 기록")
    out = await worker.press("긴급지원")
    check = texts(out)
    assert "긴급지원 전에 확인해 주세요" in check and "긴급복지지원 등 다른 국가 지원" in check
    assert "이미 받는 항목과 겹치지 않아요" in check
    await worker.press("✅ 확인했어요")
    out = await worker.press("📅 날짜")
    assert "날짜를 2026-12-05처럼 적어 주세요." in texts(out)
    out = await worker.say("2026-13-40")
    assert "날짜를 알아볼 수 없어요" in texts(out)
    await worker.say(kst_today(utcnow()).isoformat())
    out = await worker.say("30만 원")
    assert "다른 국가 지원을 먼저 확인했어요" in texts(out)
    out = await worker.press("💾 저장")
    assert "긴급지원 지원" in texts(out)
    async with office.services.db.read() as conn:
        assert (await conn.execute(select(SupportEntry.national_checked))).scalar_one() is True


async def test_an_organisation_the_consent_does_not_name_is_told_why(office, fake_api):
    reporter, worker = await _opened_case(office, fake_api)
    await _consent(office, ["jn-mental"])
    referral = await _refer_and_accept(office, "jn-mental", MENTAL_WORKER)
    await _consent(office, [])  # a new consent without the centre
    centre = TelegramUser(office, fake_api, user_id=MENTAL_WORKER)
    await centre.say("/referrals")
    await centre.press(f"R{referral}")
    out = await centre.press("👥 누가 돕고 있나요?")
    assert "동의서(서식2)에 우리 기관이 없어서" in texts(out)
    async with office.services.db.read() as conn:
        denied = (await conn.execute(select(AuditEntry.subject).where(AuditEntry.action == "denied_read"))).scalars()
        assert "support:case:1" in list(denied)
    # Its accepted referral still lets it record what it gave.
    await centre.press("🎁 지원 기록")
    await centre.press("프로그램")
    await centre.press("오늘")
    await centre.press("건너뛰기")
    out = await centre.press("💾 저장")
    assert "프로그램 지원" in texts(out)
