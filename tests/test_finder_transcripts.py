"""Transcripts of "which service fits me?" (나에게 맞는 복지서비스) through the whole path: update
JSON posted to the webhook → engine → store → replies recorded by the fake Bot API."""
from __future__ import annotations

import logging
from pathlib import Path

import orjson
import pytest
from sqlalchemy import func, select

from state.models import ConversationRow, Report
from tests.harness import TelegramUser, make_settings, running_app, texts

HYEHWA = "1111065000"


@pytest.fixture
async def finder_service(tmp_path, fake_api):
    # services_dir in tmp: a developer's own `salpim load-services` must not change these answers.
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'finder.db'}", fake_api, tmp_path,
                             services_dir=tmp_path / "services")
    async with running_app(settings) as service:
        yield service


@pytest.fixture
def resident(finder_service, fake_api) -> TelegramUser:
    return TelegramUser(finder_service, fake_api, user_id=5558001)


async def conversation_answers(service, user: TelegramUser) -> dict:
    async with service.services.db.read() as conn:
        row = (await conn.execute(select(ConversationRow.__table__).where(
            ConversationRow.chat_id == str(user.user_id)))).mappings().one()
    if row["answers_enc"] is None:
        return {}
    return orjson.loads(service.services.cipher.decrypt(row["answers_enc"], "conversations.answers"))


async def reports(service) -> list:
    async with service.services.db.read() as conn:
        return (await conn.execute(select(Report.__table__))).mappings().all()


async def guided_until_results(user: TelegramUser) -> int:
    """The typical guided path of a middle-aged person living alone, behind on rent. Returns taps."""
    taps = 0
    for label in ("중장년", "1명", "주거 위기", "생활비·공과금", "선택 완료"):
        await user.press(label)
        taps += 1
    await user.say("45")
    for label in ("약 82만원~103만원", "장애가 있는 사람은 없어요", "월세", "약 5,300만원 이하"):
        await user.press(label)
        taps += 1
    return taps


async def test_guided_path_to_an_explained_short_list_in_korean(resident, finder_service):
    out = await resident.say("/start")
    assert "🔎 나에게 맞는 복지서비스" in resident.buttons()
    out = await resident.press("나에게 맞는 복지서비스")
    assert texts(out).startswith("[1]\n") and "어느 시기" in texts(out) and "편하게 적어" in texts(out)
    assert "⬅ 이전" in resident.buttons() and "✖ 그만두기" in resident.buttons()
    await resident.press("중장년")
    out = await resident.press("1명")
    assert "[3]\n" in texts(out) and "어려움" in texts(out)
    await resident.press("주거 위기")
    await resident.press("생활비·공과금")
    assert "☑ 선택 완료 (2)" in resident.buttons()
    out = await resident.press("선택 완료")
    assert "[4]\n" in texts(out) and "나이" in texts(out)
    out = await resident.say("마흔다섯")
    assert "숫자로" in texts(out)  # bad input is answered, then asked again
    out = await resident.say("45")
    assert "한 달 소득" in texts(out)
    # Bands cut at the thresholds of the services in question (1인: 생계 32%, 의료 40%, 주거 48%, 긴급 75%).
    assert resident.buttons()[:5] == ["약 82만원 이하", "약 82만원~103만원", "약 103만원~123만원",
                                      "약 123만원~192만원", "약 192만원 넘음"]
    await resident.press("약 82만원~103만원")
    await resident.press("장애가 있는 사람은 없어요")
    out = await resident.press("월세")
    assert "재산" in texts(out)
    out = await resident.press("약 5,300만원 이하")
    result = texts(out)
    # One card per service, best fit first, then the list with the honest part and the way to a person.
    assert result.index("✅ 1. 주거급여 — 기준에 맞아요") < result.index("🟢 2.")
    assert "왜 그런가요" in result and "1인 가구 월 소득 820,556원 초과 1,025,695원 이하 금액은 주거급여 선정기준 1,230,834원 이하입니다" in result
    assert "📝 신청:" in result and "129" in result and "📄 서류:" in result
    assert "긴급복지지원 생계지원" in result and "통합사례관리" in result
    assert "맞지 않는 것: 생계급여" in result  # excluded: summarised at the end
    assert "받을 수 있을지도" in result and "읍면동 행정복지센터가" in result and "모의계산" in result
    assert out[-1].params["text"].startswith("[9]\n")  # the ninth question: nothing repeated or skipped
    assert {"🙋 읍면동에서 연락 주세요", "☎️ 동 주민센터 전화번호", "✅ 마치기"} <= set(resident.buttons())
    out = await resident.press("마치기")
    assert "저장하지 않았어요" in texts(out) and "🔎 나에게 맞는 복지서비스" in resident.buttons()
    answers = await conversation_answers(finder_service, resident)
    assert answers.get("answers", {}) == {}  # the income band is gone with the flow
    assert "820557" not in str(answers) and "monthly_income" not in str(answers)


async def test_taps_of_a_typical_guided_path(resident, finder_service, monkeypatch):
    await resident.say("/finder")
    # Count what actually reached the webhook: button presses (callback queries the service
    # acknowledged) and typed messages, not the labels this test meant to press.
    posted: list[tuple[str, dict]] = []
    original = finder_service.post_update

    async def counting(update, *args, **kwargs):
        response = await original(update, *args, **kwargs)
        kind = "press" if "callback_query" in update else "message"
        posted.append((kind, response.json() if response.content else {}))
        return response

    monkeypatch.setattr(finder_service, "post_update", counting)
    await guided_until_results(resident)
    assert "📋 정리하면" in resident.last_text()
    presses = [ack for kind, ack in posted if kind == "press"]
    assert all(ack.get("method") == "answerCallbackQuery" for ack in presses)  # each press was taken
    assert 1 <= len(presses) <= 9  # the menu button that opens the finder is not counted
    assert [kind for kind, _ in posted].count("message") == 1  # one typed age


async def test_guided_path_in_english(finder_service, fake_api):
    user = TelegramUser(finder_service, fake_api, user_id=5558002, language="en")
    out = await user.say("/start")
    assert "🔎 Which services fit me?" in user.buttons()
    out = await user.press("Which services fit me?")
    assert "stage of life" in texts(out)
    for label in ("older age", "1", "isolation", "Done"):
        out = await user.press(label)
    assert "How old" in texts(out)
    out = await user.say("78")
    assert user.buttons()[:2] == ["up to about ₩2,470,000", "more than about ₩2,470,000"]
    out = await user.press("up to about ₩2,470,000")
    assert "assets" in texts(out)
    out = await user.press("up to about ₩20,000,000")
    assert "long-term care grade" in texts(out)  # 노인맞춤돌봄 excludes those already in such care
    out = await user.press("No")
    result = texts(out)
    assert "✅ 1. Basic pension — Meets the criteria" in result
    assert "Why:" in result and "Aged 78, at or above the minimum age of 65" in result
    assert "at or below the basic pension threshold of ₩2,470,000" in result
    assert "How to apply:" in result and "Customised care for older people" in result
    assert "you may be eligible" in result and "community centre" in result and "mock calculation" in result
    assert not any("가" <= ch <= "힣" for ch in out[-1].params["text"])  # the closing list is all English


async def test_free_text_rent_arrears(resident):
    await resident.say("/start finder")  # the deep link
    out = await resident.say("월세가 밀렸어요")
    assert "이렇게 이해했어요: 생활비·공과금 어려움, 주거 위기. 맞나요?" in texts(out)
    out = await resident.press("맞아요")
    assert "어느 시기" in texts(out) and "편하게 적어" not in texts(out)
    await resident.press("중장년")
    out = await resident.press("1명")
    assert "나이" in texts(out)  # situations were confirmed: not asked again
    await resident.say("52")
    for label in ("약 103만원~123만원", "장애가 있는 사람은 없어요", "월세", "약 5,300만원 이하"):
        out = await resident.press(label)
    result = texts(out)
    assert "주거급여 — 기준에 맞아요" in result and "긴급복지지원 주거지원" in result


async def test_free_text_worried_about_mother_living_alone(resident):
    await resident.say("/finder")
    out = await resident.say("혼자 사는 어머니가 걱정돼요")
    assert "고립·연락 끊김" in texts(out) and "어르신" in texts(out) and "맞나요?" in texts(out)
    assert "혼자 사시는 것으로 알아들었어요" in texts(out)
    await resident.press("맞아요")
    assert "✅ 노년" in resident.buttons()  # suggested from what was written
    out = await resident.press("노년")
    # "혼자 사는": the household size is not asked; the age question is about one person
    assert "몇 명" not in texts(out) and "도움이 필요한 분의 나이" in texts(out)
    assert "가구원 한 명 한 명" not in texts(out)
    await resident.say("81")
    await resident.press("약 247만원 이하")
    out = await resident.press("약 2,000만원 이하")
    assert "장기요양 등급" in texts(out)  # 노인맞춤돌봄 asks: those already in such care are excluded
    out = await resident.press("아니요")
    result = texts(out)
    assert "기초연금 — 기준에 맞아요" in result and "노인맞춤돌봄서비스" in result


async def test_free_text_job_loss_and_fix_the_understanding(resident):
    await resident.say("/finder")
    out = await resident.say("일자리를 잃었어요")
    assert "실직·소득 상실" in texts(out)
    out = await resident.press("직접 고를게요")
    assert "✅ 실직·소득 상실" in resident.buttons()  # the choices start from what was understood
    await resident.press("생활비·공과금")
    out = await resident.press("선택 완료")
    assert "어느 시기" in texts(out)
    await resident.press("청년")
    out = await resident.press("3명")
    assert "3명 모두" in texts(out)
    out = await resident.say("29, 58, 55")
    assert "소득" in texts(out)


async def test_unrecognised_text_falls_back_to_the_guided_questions(resident):
    await resident.say("/finder")
    out = await resident.say("안녕하세요 ㅎㅎ")
    assert "알아듣지 못했어요" in texts(out) and "어느 시기" in texts(out)
    assert "중장년" in resident.buttons()
    out = await resident.press("중장년")
    assert "몇 명" in texts(out)


async def test_back_and_cancel(resident, finder_service):
    await resident.say("/finder")
    await resident.press("중장년")
    out = await resident.press("⬅ 이전")
    assert "어느 시기" in texts(out) and "✅ 중장년" in resident.buttons()
    await resident.press("청년")
    await resident.press("2명")
    await resident.press("고립")
    await resident.press("선택 완료")
    await resident.say("25, 24")
    out = await resident.press("✖ 그만두기")
    assert "🔎 나에게 맞는 복지서비스" in resident.buttons()
    assert (await conversation_answers(finder_service, resident)).get("answers", {}) == {}


async def test_ask_the_dong_to_contact_me_files_a_self_report(resident, finder_service):
    await resident.say("/finder")
    await resident.say("월세가 밀렸어요")
    await resident.press("맞아요")
    await resident.press("중장년")
    await resident.press("1명")
    await resident.say("45")
    await resident.say("95만원")  # an exact figure, typed instead of a band
    assert "알아들은 가구 소득: 95만원" in texts(resident.fake.sent(resident.user_id)[-2:])
    for label in ("장애가 있는 사람은 없어요", "월세", "약 5,300만원 이하"):
        await resident.press(label)
    assert "950,000" not in resident.last_text()
    out = await resident.press("읍면동에서 연락 주세요")
    assert "어느 동" in texts(out)
    await resident.press("혜화동")
    await resident.press("이 대화로만")
    out = await resident.say("낮에는 일해서 저녁에 연락 주세요")
    summary = texts(out)
    assert "마지막 확인" in summary and "본인" in summary and "혜화동" in summary and "주거" in summary
    assert "소득·재산 답변은 보내지 않아요" in summary and "동의 안내" in summary
    assert await reports(finder_service) == []  # nothing filed before consent
    out = await resident.press("동의하고 접수")
    assert "접수되었습니다" in texts(out)
    [row] = await reports(finder_service)
    assert row["reporter_kind"] == "self" and row["dong_code"] == HYEHWA and row["contact_mode"] == "telegram"
    assert row["situations"] == ["money_basics", "housing"] and row["household"] == "middle_aged_alone"
    assert row["age_band"] == "middle_aged" and not row["urgent"]
    cipher = finder_service.services.cipher
    assert cipher.decrypt(row["description_enc"], "reports.description") == "낮에는 일해서 저녁에 연락 주세요"
    answers = await conversation_answers(finder_service, resident)
    assert answers.get("answers", {}) == {} and "950000" not in str(answers)


def directory_with_phone(tmp_path: Path) -> Path:
    from salpim.settings import DEFAULT_DIRECTORY
    lines = DEFAULT_DIRECTORY.read_text(encoding="utf-8").splitlines()
    out = [line + "02-2148-5300" if line.startswith(f"11110,서울특별시 종로구,{HYEHWA},") else line
           for line in lines]
    path = tmp_path / "directory.csv"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


async def test_the_dong_phone_when_the_directory_has_one(tmp_path, fake_api):
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'p.db'}", fake_api, tmp_path,
                             directory=directory_with_phone(tmp_path), services_dir=tmp_path / "services")
    async with running_app(settings) as service:
        user = TelegramUser(service, fake_api, user_id=5558003)
        await user.say("/finder")
        await user.press("노년")
        await user.press("1명")
        await user.press("고립")
        await user.press("선택 완료")
        await user.press("잘 모르겠어요")  # age
        await user.press("잘 모르겠어요")  # income
        await user.press("잘 모르겠어요")  # assets
        out = await user.press("잘 모르겠어요")  # already in similar care
        assert "조금 더 알려 주세요" in texts(out)  # unknown answers ask, never exclude
        out = await user.press("동 주민센터 전화번호")
        assert "어느 동" in texts(out)
        out = await user.press("혜화동")
        assert "혜화동 행정복지센터: 02-2148-5300" in texts(out) and "129" in texts(out)
        out = await user.press("동 주민센터 전화번호")  # the dong is known now: at once
        assert "02-2148-5300" in texts(out)
        out = await user.press("마치기")
        assert "마쳤어요" in texts(out)


async def test_income_reaches_no_log_and_no_stored_byte(tmp_path, fake_api, caplog):
    caplog.set_level(logging.DEBUG)
    db_file = tmp_path / "income.db"
    settings = make_settings(f"sqlite+aiosqlite:///{db_file}", fake_api, tmp_path, services_dir=tmp_path / "s")
    async with running_app(settings) as service:
        user = TelegramUser(service, fake_api, user_id=5558004)
        await user.say("/finder")
        for label in ("중장년", "1명", "실직", "선택 완료"):
            await user.press(label)
        out = await user.say("1,234,567원")  # at the income question: typed, not a band
        assert "알아들은 가구 소득: 1,234,567원" in texts(out)
        while "📋 정리하면" not in user.last_text():
            await user.press(next(b for b in user.buttons() if "이하" in b or b == "장애가 있는 사람은 없어요"
                                  or b == "월세"))
        await user.press("마치기")
        await service.services.telegram.sender.flush()
        async with service.services.db.read() as conn:
            open_flows = (await conn.execute(select(func.count()).select_from(ConversationRow)
                                             .where(ConversationRow.flow.is_not(None)))).scalar_one()
        assert open_flows == 0
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("income.db*"))
    for needle in ("1234567", "1,234,567"):
        assert needle.encode() not in raw, needle
    logged = "\n".join(r.getMessage() + str(r.args) for r in caplog.records)
    for needle in ("1234567", "1,234,567", "4,567"):
        assert needle not in logged, needle


async def test_an_idle_finder_is_closed_not_kept_as_a_draft(service, fake_api):
    """Income answers must not outlive the conversation, even when the person walks away."""
    from datetime import datetime

    from sqlalchemy import update

    from integrations import housekeeping
    from state.models import ConversationRow
    user = TelegramUser(service, fake_api, user_id=5559100)
    await user.say("/finder")
    await user.press(user.buttons()[0])
    async with service.services.db.transaction() as conn:
        await conn.execute(update(ConversationRow).values(expires_at=datetime(2000, 1, 1)))
    await housekeeping.run_once(service.services)
    assert "남기지 않았어요" in user.last_text()
    async with service.services.db.read() as conn:
        row = (await conn.execute(ConversationRow.__table__.select())).mappings().one()
    assert row["flow"] is None and row["answers_enc"] is None


async def test_someone_with_a_long_term_care_grade_is_told_why_customised_care_does_not_fit(resident):
    await resident.say("/finder")
    for label in ("노년", "1명", "고립", "선택 완료"):
        await resident.press(label)
    await resident.say("81")
    await resident.press("약 247만원 이하")
    out = await resident.press("약 2,000만원 이하")
    assert "장기요양 등급" in texts(out)
    out = await resident.press("예")
    result = texts(out)
    assert "맞지 않는 것:" in result and "노인맞춤돌봄서비스" in result.split("맞지 않는 것:")[1]
    assert "✅ 1. 기초연금" in result  # the other answers stand


async def test_household_size_and_spouse_asked_only_when_unknown(resident):
    await resident.say("/finder")
    out = await resident.say("월세가 밀렸어요")  # nothing said about who lives there
    assert "혼자 사시는 것으로" not in texts(out)
    await resident.press("맞아요")
    out = await resident.press("노년")
    assert "1명" in resident.buttons()  # the size is asked: nobody said it
    await resident.press("2명")
    out = await resident.say("75, 73")
    assert "한 달 소득" in texts(out)
    await resident.say("900만원")
    # the region comes from the directory (종로구: 대도시), the spouse question is asked
    for _ in range(6):
        text = resident.last_text()
        assert "대도시, 중소도시, 농어촌" not in text
        if "배우자와 함께" in text:
            break
        await resident.press("잘 모르겠어요")
    assert "배우자와 함께" in resident.last_text()
    out = await resident.press("예")
    while "📋 정리하면" not in resident.last_text():
        assert "배우자의 한 달 소득" not in resident.last_text()
        await resident.press("잘 모르겠어요")
    assert "맞지 않는 것:" in resident.last_text() and "기초연금" in resident.last_text().split("맞지 않는 것:")[1]
