"""Casework through Telegram: a team alert taken in the team chat, the whole 통합사례관리 process
with the team leader's approvals, a follow-up call by checklist, closure — and the reporter's
/status following along without learning anything about the household."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from state import members
from state.models import Case, CaseEvent, FollowupSubmission, Report
from state.timeutil import utcnow
from tests.harness import TelegramUser, make_settings, running_app, texts

HYEHWA, TEAM_CHAT = "1111065000", -100500
CASEWORKER, LEADER, OTHER_DONG_WORKER = 7001, 7002, 7003


def directory_with_team_chat(tmp_path):
    from salpim.settings import DEFAULT_DIRECTORY
    lines = DEFAULT_DIRECTORY.read_text(encoding="utf-8").splitlines()
    out = [line.replace(f"{HYEHWA},혜화동,37.5870,127.0000,,", f"{HYEHWA},혜화동,37.5870,127.0000,{TEAM_CHAT},")
           for line in lines]
    path = tmp_path / "directory.csv"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


@pytest.fixture
async def office(tmp_path, fake_api):
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'case.db'}", fake_api, tmp_path,
                             directory=directory_with_team_chat(tmp_path), urgent_escalation_minutes=1)
    async with running_app(settings) as service:
        async with service.services.db.transaction() as conn:
            cipher, now = service.services.cipher, utcnow()
            for uid, role, dong in ((CASEWORKER, "caseworker", HYEHWA), (LEADER, "team_leader", HYEHWA),
                                    (OTHER_DONG_WORKER, "caseworker", "1111064000")):
                await members.create_member(conn, cipher, role=role, dong_code=dong, sigungu_code="11110", now=now,
                                            telegram_user_id=uid)
        yield service


class TeamChat:
    """Presses on the team chat's alert, by a given member."""

    def __init__(self, service, fake):
        self.service, self.fake = service, fake

    async def press(self, label: str, by: int):
        alert = self.fake.sent(TEAM_CHAT)[0].params["reply_markup"]["inline_keyboard"]
        data = next(b["callback_data"] for row in alert for b in row if label in b["text"])
        update = TelegramUser(self.service, self.fake, user_id=by).press_update(data)
        update["callback_query"]["message"]["chat"] = {"id": TEAM_CHAT, "type": "supergroup", "title": "혜화동 팀"}
        response = await self.service.post_update(update)
        assert response.status_code == 200
        await self.service.delivered()
        return response


async def file_report(service, fake, user_id=5557000, urgent=False) -> str:
    reporter = TelegramUser(service, fake, user_id=user_id)
    await reporter.say("/start report")
    await reporter.press("이웃·지인")
    await reporter.press("주민·이웃")
    for label in (("자살 위험",) if urgent else ("고립", "생활비")):
        await reporter.press(label)
    await reporter.press("선택 완료")
    if not urgent:
        for label in ("혼자 사는 어르신", "80세", "여성"):
            await reporter.press(label)
    await reporter.press("혜화동")
    await reporter.say("명륜길 12, 2층")
    await reporter.say("할머니가 일주일째 안 보이고 우편물이 쌓였어요")
    await reporter.press("아니요, 급하지 않아요")  # the 고독사 question: no same-day visit
    await reporter.press("이 대화로만")
    await reporter.press("동의하고 접수")
    return reporter


async def test_the_whole_case_from_alert_to_closure(office, fake_api):
    service = office
    reporter = await file_report(service, fake_api)
    alert = fake_api.sent(TEAM_CHAT)
    assert len(alert) == 1
    alert_text = alert[0].params["text"]
    async with service.services.db.read() as conn:
        receipt = (await conn.execute(select(Report.receipt_no))).scalar_one()
    assert receipt in alert_text and "고립" in alert_text and "혼자 사는 어르신" in alert_text
    for secret in ("명륜길", "할머니가", "우편물이 쌓였어요"):
        assert secret not in alert_text  # no address, no free text in a group chat

    team = TeamChat(service, fake_api)
    before = len(fake_api.texts(TEAM_CHAT))
    refused = await team.press("담당하기", by=OTHER_DONG_WORKER)
    # The refusal is shown on the button (answerCallbackQuery), never posted into the group.
    assert "내 읍면동의 신고가 아니에요" in refused.json()["text"]
    assert len(fake_api.texts(TEAM_CHAT)) == before
    await team.press("담당하기", by=CASEWORKER)
    assert "담당자가 배정되었어요" in fake_api.texts(TEAM_CHAT)[-1]
    assert all("명륜길" not in t for t in fake_api.texts(TEAM_CHAT))
    worker = TelegramUser(service, fake_api, user_id=CASEWORKER)
    private = fake_api.texts(CASEWORKER)
    assert "명륜길 12, 2층" in private[0] and "할머니가" in private[0]  # the full record, privately
    assert "사례 #" in private[1] and "초기상담" in private[1]
    worker.seen = len(fake_api.sent(CASEWORKER))

    out = await reporter.say(f"/status {receipt}")
    assert "확인 중" in texts(out)

    leader = TelegramUser(service, fake_api, user_id=LEADER)
    case_id = 1

    async def act(user: TelegramUser, label: str) -> str:
        await user.say(f"/case {case_id}")
        out = await user.press(label)
        return texts(out)

    assert "처리했어요" in await act(worker, "담당자 지정")
    assert "처리했어요" in await act(worker, "서비스 연계 및 사례관리 요청")
    # Whoever took the report is only proposed: the team leader designates the 주사례관리자
    # before the survey (L8576–8578), and 대상자 접수 (the survey's start) waits for it.
    out = await worker.say(f"/case {case_id}")
    assert "주사례관리자: 제안됨" in texts(out) and "대상자 접수" not in worker.buttons()
    assert any("욕구조사 전에 지정해 주세요" in t for t in fake_api.texts(LEADER))
    await act(leader, "✔ 주사례관리자로 지정")
    out = await worker.say(f"/case {case_id}")
    assert "제안됨" not in texts(out)
    assert "처리했어요" in await act(worker, "대상자 접수")
    await worker.say(f"/case {case_id}")
    assert "욕구 및 위기도 조사 등록" not in worker.buttons()  # no intervention without consent
    await worker.press("개인정보활용 동의 받음")
    await worker.press("서비스 이용 동의 받음")
    assert "처리했어요" in await act(worker, "욕구 및 위기도 조사 등록")
    # Selection's meeting is a recorded 사례회의 that decided it (🗓 사례회의, bot/conferences.py).
    await worker.say(f"/case {case_id}")
    assert "선정 사례회의 개최" not in worker.buttons()
    for label in ("🗓 사례회의", "오늘", "다음 (0)", "대상자 선정", "다음 (1)", "건너뛰기", "💾 저장"):
        out = await worker.press(label)
    assert "사례회의를 기록했어요" in texts(out)
    await worker.say(f"/case {case_id}")
    assert "사례관리 가구로 선정" not in worker.buttons()  # the team leader decides selection
    assert "처리했어요" in await act(leader, "사례관리 가구로 선정")
    assert "처리했어요" in await act(leader, "서비스 제공계획 승인·확정")
    out = await reporter.say(f"/status {receipt}")
    assert "상담·지원 연계" in texts(out)

    # A follow-up call: 10 taps for a normal call — 안전 and 정신적 건강 are asked on their own,
    # with no answer chosen in advance (the other domains keep their one-tap "unchanged").
    await worker.say(f"/followup {case_id}")
    await worker.press("통화됨")
    out = await worker.press("본인")
    assert "안전" in texts(out) and "꼭 물어보고" in texts(out)
    assert not any(b.startswith("✅") for b in worker.buttons())  # nothing pre-selected
    out = await worker.press("비슷함")
    assert "정신적 건강" in texts(out)
    taps = ["비슷함", "확인 완료", "새 위기 신호 없음", "건너뛰기", "건너뛰기", "권장일"]
    for label in taps:
        out = await worker.press(label)
    assert "안전: 비슷함" in texts(out) and "정신적 건강: 비슷함" in texts(out)  # the review shows both
    out = await worker.press("저장")
    assert "통화 기록 #1 저장" in texts(out)
    # One where safety got worse: urgent guidance at once, and the team leader is told.
    await worker.say(f"/followup {case_id}")
    await worker.press("통화됨")
    await worker.press("가족")
    out = await worker.press("나빠짐")  # 안전: the urgent guidance at once
    assert "112" in texts(out) and "정신적 건강" in texts(out)
    await worker.press("비슷함")
    for label in ("확인 완료", "새 위기 신호 없음", "건너뛰기"):
        await worker.press(label)
    await worker.say("딸이 같이 살기 시작함")
    await worker.press("권장일")
    await worker.press("저장")
    assert any("팀장 확인 필요" in t for t in fake_api.texts(LEADER))

    assert "처리했어요" in await act(worker, "종결을 위한 사례관리 평가")
    assert "처리했어요" in await act(worker, "종결 사례회의 개최")
    await worker.say(f"/case {case_id}")
    await worker.press("위기도 재조사 함")
    await worker.say(f"/case {case_id}")
    await worker.press("종결심사 등록")
    out = await worker.press("장기목표 달성")
    assert "처리했어요" in texts(out)
    assert "처리했어요" in await act(leader, "사례종결 승인")
    out = await reporter.say(f"/status {receipt}")
    assert "종결" in texts(out) and "할머니" not in texts(out)

    async with service.services.db.read() as conn:
        events = (await conn.execute(select(CaseEvent.action))).scalars().all()
        followups = (await conn.execute(select(FollowupSubmission.reached))).scalars().all()
        step = (await conn.execute(select(Case.step))).scalar_one()
    assert events[0] == "take" and "approve_closure" in events and step == "aftercare"
    assert followups == [True, True]


async def test_urgent_report_nobody_takes_is_repeated_to_the_team_leader(office, fake_api):
    from sqlalchemy import update

    from integrations import housekeeping
    from state.models import Timer
    await file_report(office, fake_api, urgent=True)
    assert "긴급" in fake_api.texts(TEAM_CHAT)[0]
    async with office.services.db.transaction() as conn:  # the escalation time passes
        await conn.execute(update(Timer).values(due_at=utcnow()))
    await housekeeping.run_once(office.services)
    assert any("아직 아무도 맡지 않았어요" in t for t in fake_api.texts(LEADER))
    await housekeeping.run_once(office.services)  # fires once
    assert sum("아직 아무도" in t for t in fake_api.texts(LEADER)) == 1


async def test_due_reminders_go_to_the_manager_and_overdue_to_the_leader(office, fake_api):
    from sqlalchemy import update

    from integrations import housekeeping
    from state.models import Timer
    await file_report(office, fake_api)
    await TeamChat(office, fake_api).press("담당하기", by=CASEWORKER)
    async with office.services.db.transaction() as conn:
        await conn.execute(update(Timer).where(Timer.kind.in_(("case_due_soon", "case_overdue")))
                           .values(due_at=utcnow()))
    await housekeeping.run_once(office.services)
    assert any("초기상담" in t and "기한이" in t for t in fake_api.texts(CASEWORKER))
    assert any("지났습니다" in t for t in fake_api.texts(LEADER))


async def test_staff_commands_are_refused_to_residents(office, fake_api):
    resident = TelegramUser(office, fake_api, user_id=5558000)
    out = await resident.say("/cases")
    assert "등록된 담당 직원만" in texts(out)
    out = await resident.say("/case 1")
    assert "등록된 담당 직원만" in texts(out)


async def test_a_removed_caseworker_loses_access_at_once(office, fake_api):
    await file_report(office, fake_api)
    await TeamChat(office, fake_api).press("담당하기", by=CASEWORKER)
    worker = TelegramUser(office, fake_api, user_id=CASEWORKER)
    out = await worker.say("/case 1")
    assert "사례 #1" in texts(out)
    async with office.services.db.transaction() as conn:
        info = await members.member_by_telegram(conn, CASEWORKER)
        await members.deactivate_member(conn, info.id)
    out = await worker.say("/case 1")
    assert "등록된 담당 직원만" in texts(out)


async def test_a_followup_call_before_selection(office, fake_api):
    """Calls happen from the first days of a case (초기상담), before it has a type."""
    await file_report(office, fake_api)
    await TeamChat(office, fake_api).press("담당하기", by=CASEWORKER)
    worker = TelegramUser(office, fake_api, user_id=CASEWORKER)
    out = await worker.say("/followup 1")
    assert "통화가 되었나요?" in texts(out)
    # 권장일: always offered ("1주 뒤" is left out on the days it falls on the suggested date)
    for label in ("안 받음", "권장일", "저장"):
        out = await worker.press(label)
    assert "통화 기록 #1 저장" in texts(out)
