"""Reports in the languages of foreign residents (vi, zh_Hans), through the real Telegram layer:
the reporter reads every step, button and the consent in their language and sees the 다누리콜센터
number (1577-1366, interpretation); the report is stored with its language, and the caseworker
reads the full record in Korean with that language marked."""
from __future__ import annotations

from sqlalchemy import select

from bot.i18n import Catalogs
from state.models import Report
from tests.harness import TelegramUser, texts
from tests.test_casework_transcripts import CASEWORKER, TEAM_CHAT, TeamChat, office  # noqa: F401 (fixture)

HANGUL_STEPS = ("누구의 일인가요", "어떤 가구", "동의하고 접수", "접수되었습니다")


async def stored_report(service):
    async with service.services.db.read() as conn:
        return (await conn.execute(select(Report.__table__))).mappings().one()


async def test_a_report_filed_in_vietnamese_reaches_the_caseworker_marked(office, fake_api):  # noqa: F811
    service = office
    reporter = TelegramUser(service, fake_api, user_id=5558001, language="vi")  # Telegram says vi
    out = await reporter.say("/start")
    assert "Xin chào, đây là Salpim" in texts(out) and "1577-1366" in texts(out)
    out = await reporter.press("Báo hộ gia đình gặp khó khăn")
    assert "Đây là khó khăn của ai?" in texts(out) and "⬅ Quay lại" in reporter.buttons()
    await reporter.press("Của hàng xóm hoặc người quen")
    await reporter.press("Cư dân hoặc hàng xóm")
    out = await reporter.press("Cô lập, mất liên lạc")
    assert "☑ Xong (1)" in reporter.buttons()
    await reporter.press("Xong")
    await reporter.press("Người già sống một mình")
    await reporter.press("Người cao tuổi (65–79)")
    out = await reporter.press("Nữ")
    assert "Phường nào?" in texts(out)
    await reporter.press("혜화동")
    await reporter.press("Bỏ qua")
    out = await reporter.say("Bà cụ nhà bên cạnh mấy ngày không thấy ra ngoài, thư từ chất đống.")
    assert "Có nên có người đến xem tình hình họ ngay hôm nay không?" in texts(out)  # the 고독사 pattern, in vi
    await reporter.press("Không, không khẩn cấp")
    out = await reporter.press("Chỉ qua cuộc trò chuyện này")
    summary = texts(out)
    assert "Kiểm tra lần cuối" in summary and "🔒 Đồng ý" in summary and "5 năm" in summary
    assert "✅ Đồng ý và gửi" in reporter.buttons()
    out = await reporter.press("Đồng ý và gửi")
    row = await stored_report(service)
    assert f"Số tiếp nhận: {row['receipt_no']}" in texts(out)
    assert not any(step in texts(out) for step in HANGUL_STEPS)
    assert row["reporter_locale"] == "vi" and row["dong_code"] == "1111065000"

    alert = fake_api.sent(TEAM_CHAT)[0].params["text"]
    assert row["receipt_no"] in alert and "고립" in alert  # the team chat stays Korean
    assert "thư từ" not in alert  # and never gets the free text
    await TeamChat(service, fake_api).press("담당하기", by=CASEWORKER)
    record = fake_api.texts(CASEWORKER)[0]
    assert "Bà cụ nhà bên cạnh" in record  # the reporter's own words, privately
    assert "🌐 신고 언어: 베트남어" in record and "다누리콜센터 1577-1366" in record


async def test_a_report_filed_in_chinese_after_choosing_it_with_language(office, fake_api):  # noqa: F811
    service = office
    reporter = TelegramUser(service, fake_api, user_id=5558002, language="ko")  # a Korean phone
    await reporter.say("/start")
    out = await reporter.say("/language")
    assert "中文(简体)" in reporter.buttons() and "Tiếng Việt" in reporter.buttons()
    out = await reporter.press("中文(简体)")
    assert "接下来用中文为您服务" in texts(out)
    out = await reporter.press("举报困难家庭")
    assert "是谁遇到了困难？" in texts(out)
    await reporter.press("是我 / 我的家庭")
    await reporter.press("基本生活费不足")
    await reporter.press("完成")
    await reporter.press("带孩子的单亲家庭")
    await reporter.press("2人")
    await reporter.press("中年（40–64岁）")
    await reporter.press("女")
    await reporter.press("혜화동")
    await reporter.press("跳过")
    out = await reporter.say("我老公打我，我不想活了")
    notice = texts(out)
    assert "现在可能有危险" in notice and "109" in notice and "112" in notice  # the danger screen reads zh
    out = await reporter.press("只通过这个对话")
    assert "✅ 同意并发送" in reporter.buttons() and "不同意就不会提交" in texts(out)
    out = await reporter.press("同意并发送")
    row = await stored_report(service)
    assert f"受理号码：{row['receipt_no']}" in texts(out) and "紧急" in texts(out)
    assert row["reporter_locale"] == "zh_Hans" and row["urgent"] is True
    await TeamChat(service, fake_api).press("담당하기", by=CASEWORKER)
    record = fake_api.texts(CASEWORKER)[0]
    assert "我老公打我" in record and "🌐 신고 언어: 중국어(간체)" in record


def test_telegram_language_codes_pick_the_catalog():
    catalogs = Catalogs()
    pick = lambda code: catalogs.resolve_locale(None, code)  # noqa: E731
    assert [pick(c) for c in ("vi", "zh", "zh-hans", "zh-CN", "zh-sg", "en-GB", "ko")] == \
        ["vi", "zh_Hans", "zh_Hans", "zh_Hans", "zh_Hans", "en", "ko"]
    assert [pick(c) for c in ("zh-tw", "zh-hant", "ja", None, "")] == ["ko"] * 5  # otherwise Korean
    assert catalogs.resolve_locale("vi", "zh-cn") == "vi"  # /language wins over the phone
