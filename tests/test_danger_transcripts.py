"""Danger in free text, through the real Telegram layer: the numbers at once (as text and as
contact cards a phone dials on a tap), whatever question was open; urgent reports from the
reporter's own words, alerted honestly and listed first; the 고독사 question; /healthz."""
from __future__ import annotations

from sqlalchemy import select

from state import followups, members
from state.models import FollowupSubmission, Report
from state.timeutil import utcnow
from tests.harness import TelegramUser, make_settings, running_app, texts
from tests.test_casework_transcripts import (  # noqa: F401 - the casework fixture and helpers
    CASEWORKER, TEAM_CHAT, TeamChat, directory_with_team_chat, file_report, office,
)

DUTY_CHAT = -100999


async def stored_reports(service) -> list:
    async with service.services.db.read() as conn:
        return list((await conn.execute(select(Report.__table__).order_by(Report.id))).mappings().all())


def card_numbers(fake, user: TelegramUser) -> list[str]:
    return [c.params["phone_number"] for c in fake.contacts(user.user_id)]


async def until_description(user: TelegramUser) -> None:
    await user.say("/start report")
    for label in ("이웃·지인", "주민·이웃", "생활비", "선택 완료", "부부", "2명", "40~64세", "남성", "혜화동", "건너뛰기"):
        await user.press(label)


async def test_danger_at_the_menu_shows_numbers_cards_and_one_tap_urgent_report(service, user, fake_api):
    await user.say("/start")
    out = await user.say("죽고 싶어요")
    said = texts(out)
    assert "아래 버튼에서 골라 주세요" not in said
    assert "109 자살예방상담전화" in said and "129" in said
    assert card_numbers(fake_api, user) == ["109", "119", "129"]  # sendContact, one tap to call
    assert fake_api.contacts(user.user_id)[0].params["first_name"] == "109 자살예방상담"
    out = await user.press("🚨 긴급 신고하기")  # one tap: the report opens, already urgent
    assert "[1/8]" in texts(out)
    await user.press("이웃·지인")
    out = await user.press("주민·이웃")
    assert "✅ 🚨 자살 위험" in user.buttons()  # what they wrote is already ticked
    out = await user.press("선택 완료")
    assert "[4/8]" in texts(out)  # the urgent short path: straight to where
    await user.press("혜화동")
    await user.press("건너뛰기")
    await user.say("옆집 분이 이런 말을 했어요")
    await user.press("이 대화로만")
    await user.press("동의하고 접수")
    [row] = await stored_reports(service)
    assert row["urgent"] and row["situations"] == ["suicide_risk"]


async def test_sos_sends_the_numbers_as_contact_cards(service, user, fake_api):
    await user.say("/start")
    out = await user.press("🆘 긴급 전화")
    assert "112 경찰" in texts(out)
    assert card_numbers(fake_api, user) == ["112", "119", "109", "129"]
    assert "🚨 위기가구 알리기" in user.buttons()  # then the menu again


async def test_description_with_danger_files_urgent_alerts_duty_and_is_listed_first(sqlite_url, fake_api, tmp_path):
    settings = make_settings(sqlite_url, fake_api, tmp_path, duty_chat_id=DUTY_CHAT)
    async with running_app(settings) as service:
        async with service.services.db.transaction() as conn:
            staff = await members.create_member(conn, service.services.cipher, role="caseworker",
                                                dong_code="1111065000", sigungu_code="11110", now=utcnow())
            token = await members.create_api_token(conn, service.services.cipher, staff, utcnow())
        first = TelegramUser(service, fake_api, user_id=6101)  # an ordinary report, filed first
        await until_description(first)
        await first.say("월세가 석 달 밀렸어요")
        await first.press("익명")
        await first.press("동의하고 접수")
        user = TelegramUser(service, fake_api, user_id=6102)
        await until_description(user)
        out = await user.say("할아버지가 요즘 죽고 싶다고 자주 말씀하세요")
        assert "109" in texts(out) and "[7/8]" in texts(out)  # the numbers, and the text kept: on to contact
        assert card_numbers(fake_api, user) == ["109", "119", "129"]
        await user.press("익명")
        out = await user.press("동의하고 접수")
        assert "당직 담당자에게 알렸어요" in texts(out)
        ordinary, urgent = await stored_reports(service)
        assert urgent["urgent"] and not ordinary["urgent"] and "suicide_risk" in urgent["situations"]
        alert = fake_api.sent(DUTY_CHAT)
        assert len(alert) == 1 and urgent["receipt_no"] in alert[0].params["text"]
        assert "죽고 싶다" not in alert[0].params["text"]  # no free text in a group chat
        listed = (await service.client.get("/api/reports", headers={"Authorization": f"Bearer {token}"})).json()
        assert [r["receipt_no"] for r in listed] == [urgent["receipt_no"], ordinary["receipt_no"]]


async def test_no_duty_and_no_team_chat_the_reporter_is_told_nobody_was_alerted(service, user, fake_api):
    await until_description(user)
    await user.say("남편이 때려요")
    await user.press("익명")
    out = await user.press("동의하고 접수")
    said = texts(out)
    assert "알렸어요" not in said
    assert "자동으로 알릴 수 있는 담당자가 없어요" in said and "112" in said
    assert fake_api.sent(-100999) == [] and [c for c in fake_api.calls if str(c.params.get("chat_id", "")).startswith("-")] == []
    # The danger notice's cards, then the receipt's: every number to call now.
    assert card_numbers(fake_api, user) == ["112", "129", "112", "119", "109", "129"]
    [row] = await stored_reports(service)
    assert row["urgent"] and "violence_abuse" in row["situations"]


async def test_team_chat_only_says_the_team_was_alerted(office, fake_api):
    reporter = await file_report(office, fake_api, urgent=True)
    said = "\n".join(fake_api.texts(reporter.user_id))
    assert "동 담당 팀에 알렸어요" in said and "당직" not in said.split("접수되었습니다")[1]
    assert len(fake_api.sent(TEAM_CHAT)) == 1


async def test_danger_at_the_address_question_shows_numbers_and_asks_again(service, user, fake_api):
    await user.say("/start report")
    for label in ("이웃·지인", "주민·이웃", "생활비", "선택 완료", "부부", "2명", "40~64세", "남성", "혜화동"):
        await user.press(label)
    out = await user.say("할머니가 쓰러져 있어요")
    said = texts(out)
    assert "119 구급" in said and "주소나" in out[-1].params["text"]  # the address question again
    assert card_numbers(fake_api, user) == ["119", "129"]
    out = await user.say("명륜길 12")
    assert "[6/8]" in texts(out)
    await user.say("쓰러진 걸 봤어요")
    await user.press("익명")
    await user.press("동의하고 접수")
    [row] = await stored_reports(service)
    assert row["urgent"] and service.services.cipher.decrypt(row["address_enc"], "reports.address") == "명륜길 12"


async def test_danger_in_the_finder_shows_numbers_and_asks_again(service, user, fake_api):
    await user.say("/start finder")
    out = await user.say("자살하고싶어요")
    assert "109" in texts(out) and "편하게 적어 주셔도 돼요" in out[-1].params["text"]
    assert card_numbers(fake_api, user) == ["109", "119", "129"]


async def test_danger_in_a_followup_note_shows_numbers_and_keeps_the_note(office, fake_api):
    await file_report(office, fake_api)
    await TeamChat(office, fake_api).press("담당하기", by=CASEWORKER)
    worker = TelegramUser(office, fake_api, user_id=CASEWORKER)
    await worker.say("/followup 1")
    for label in ("통화됨", "본인", "비슷함", "비슷함", "확인 완료", "새 위기 신호 없음", "건너뛰기"):
        await worker.press(label)
    out = await worker.say("대상자가 요즘 살기 싫다고 함")
    said = texts(out)
    assert "109 자살예방상담전화" in said and card_numbers(fake_api, worker) == ["109", "119", "129"]
    assert "다음 연락 예정일" in out[-1].params["text"]  # the note is kept: on to the next question
    for label in ("권장일", "저장"):  # always offered; "1주 뒤" not when it is the same day
        out = await worker.press(label)
    assert "통화 기록 #1 저장" in texts(out)
    async with office.services.db.read() as conn:
        [stored] = (await conn.execute(select(FollowupSubmission.answers_enc))).scalars().all()
    assert "대상자가 요즘 살기 싫다고 함" in office.services.cipher.decrypt(stored, followups._CONTEXT)


async def test_lonely_death_pattern_asks_for_a_same_day_visit(sqlite_url, fake_api, tmp_path):
    settings = make_settings(sqlite_url, fake_api, tmp_path, directory=directory_with_team_chat(tmp_path))
    async with running_app(settings) as service:
        async with service.services.db.transaction() as conn:
            staff = await members.create_member(conn, service.services.cipher, role="caseworker",
                                                dong_code="1111065000", sigungu_code="11110", now=utcnow())
            token = await members.create_api_token(conn, service.services.cipher, staff, utcnow())
        plain = TelegramUser(service, fake_api, user_id=6201)
        await until_description(plain)
        await plain.say("월세가 석 달 밀렸어요")
        await plain.press("익명")
        await plain.press("동의하고 접수")
        user = TelegramUser(service, fake_api, user_id=6202)
        await user.say("/start report")
        for label in ("이웃·지인", "주민·이웃", "고립", "선택 완료", "혼자 사는 어르신", "80세", "여성", "혜화동", "건너뛰기"):
            await user.press(label)
        out = await user.say("우유가 쌓여 있고 며칠째 안 보여요")
        assert "오늘 누군가 찾아가서 확인해야 할까요?" in texts(out)
        await user.press("네, 오늘 확인해 주세요")
        await user.press("익명")
        assert "오늘 방문 확인 요청" in user.last_text()  # in the summary
        await user.press("동의하고 접수")
        _, visit = await stored_reports(service)
        assert visit["same_day_visit"] and not visit["urgent"]
        alert = fake_api.sent(TEAM_CHAT)[-1].params["text"]
        assert visit["receipt_no"] in alert and "오늘 방문 확인 요청" in alert
        listed = (await service.client.get("/api/reports", headers={"Authorization": f"Bearer {token}"})).json()
        assert listed[0]["receipt_no"] == visit["receipt_no"] and listed[0]["same_day_visit"] is True


async def test_healthz_is_degraded_without_duty_or_team_chats(sqlite_url, fake_api, tmp_path):
    async with running_app(make_settings(sqlite_url, fake_api, tmp_path)) as service:
        response = await service.client.get("/healthz")
        body = response.json()
        assert response.status_code == 200 and body["status"] == "ok"
        assert body["degraded"] is True and body["failing"] == ["duty_chat", "team_chats"]
        assert "1111065000" in body["dongs_without_team_chat"]
    settings = make_settings(sqlite_url, fake_api, tmp_path, duty_chat_id=DUTY_CHAT,
                             directory=directory_with_team_chat(tmp_path))
    async with running_app(settings) as service:
        body = (await service.client.get("/healthz")).json()
        assert body["failing"] == ["team_chats"] and "1111065000" not in body["dongs_without_team_chat"]


async def test_playground_json_carries_the_numbers_to_call(service):
    await service.client.get("/playground")  # the server gives the browser its session cookie
    body = {"message_id": 1, "kind": "text", "text": "죽고 싶어요"}
    answer = (await service.client.post("/playground/api/message", json=body)).json()
    calls = [c for m in answer["messages"] for c in m["calls"]]
    assert [c["number"] for c in calls] == ["109", "119", "129"] and calls[0]["tel"] == "tel:109"
