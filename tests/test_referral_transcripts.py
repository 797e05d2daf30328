"""Referrals through the real Telegram layer (fake Bot API): a 동 caseworker refers a case to the
정신건강복지센터 with the 🤝 의뢰하기 dialog; the centre's chat gets a PII-free alert; the worker
who takes it gets the consented details privately; every step reaches the caseworker; the
reporter's /status never shows any of it. Also: consent recorded from the dialog, reminders and
the escalation on a fake clock, a partner reaching for a case not referred to them."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update

from core import referrals as core_referrals
from core.actor import Channel, member_actor
from core.work import Work
from integrations import housekeeping
from salpim.settings import DEFAULT_ORGANISATIONS
from state import members
from state.models import AuditEntry, Timer
from state.timeutil import utcnow
from tests.harness import TelegramUser, make_settings, running_app, texts
from tests.test_casework_transcripts import TEAM_CHAT, TeamChat, directory_with_team_chat, file_report

CASEWORKER, MENTAL_WORKER, FOOD_WORKER, COORDINATOR = 7001, 7301, 7302, 7401
MENTAL_CHAT = -100700
REPORTER = 5557000


def organisations_with_chat(tmp_path):
    lines = DEFAULT_ORGANISATIONS.read_text(encoding="utf-8").splitlines()
    out = [line.replace("mental_health;safety,,,", f"mental_health;safety,,{MENTAL_CHAT},") for line in lines]
    path = tmp_path / "organisations.csv"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


@pytest.fixture
async def office(db_url, tmp_path, fake_api):
    settings = make_settings(db_url, fake_api, tmp_path, directory=directory_with_team_chat(tmp_path),
                             organisations=organisations_with_chat(tmp_path))
    async with running_app(settings) as service:
        async with service.services.db.transaction() as conn:
            cipher, now = service.services.cipher, utcnow()
            await members.create_member(conn, cipher, role="caseworker", dong_code="1111065000", sigungu_code="11110",
                                        now=now, telegram_user_id=CASEWORKER)
            for uid, role, org in ((MENTAL_WORKER, "partner_worker", "jn-mental"),
                                   (FOOD_WORKER, "partner_worker", "jn-food"), (COORDINATOR, "coordinator", "jn-hope")):
                await members.create_member(conn, cipher, role=role, dong_code=None, sigungu_code="11110", now=now,
                                            telegram_user_id=uid, org_code=org)
        yield service


async def _opened_case(office, fake_api) -> TelegramUser:
    reporter = await file_report(office, fake_api, user_id=REPORTER)
    await TeamChat(office, fake_api).press("담당하기", by=CASEWORKER)
    worker = TelegramUser(office, fake_api, user_id=CASEWORKER)
    worker.new_messages()
    return reporter, worker


async def _consent(office, recipients: list[str]) -> None:
    s = office.services
    async with s.db.transaction() as conn:
        info = await members.member_by_telegram(conn, CASEWORKER)
        actor = member_actor(info, s.runner.directory, Channel.OFFICE)
        await core_referrals.record_consent(Work(s.db, conn, s.cipher, s.runner.directory, utcnow()), actor, 1,
                                            {"general_data": True, "unique_identifiers": False,
                                             "sensitive_data": True, "third_party": True}, recipients)


def _group_press(office, fake_api, chat: int, label: str, by: int) -> dict:
    alert = next(c.params["reply_markup"]["inline_keyboard"] for c in reversed(fake_api.sent(chat))
                 if c.params.get("reply_markup"))
    data = next(b["callback_data"] for row in alert for b in row if label in b["text"])
    update_ = TelegramUser(office, fake_api, user_id=by).press_update(data)
    update_["callback_query"]["message"]["chat"] = {"id": chat, "type": "supergroup", "title": "센터"}
    return update_


async def test_a_referral_to_the_mental_health_centre_closes_the_loop(office, fake_api):
    reporter, worker = await _opened_case(office, fake_api)
    await _consent(office, ["jn-mental"])
    await worker.say("/case 1")
    out = await worker.press("🤝 의뢰하기")
    assert "어떤 도움이 필요한가요?" in texts(out)
    await worker.press("정신적 건강")
    assert "✓ 종로구정신건강복지센터" in worker.buttons()
    await worker.press("✓ 종로구정신건강복지센터")
    out = await worker.say("우울감이 심해 상담이 필요해요")
    review = texts(out)
    assert "기관에 보낼 개인정보(동의 범위): 주소, 연락처, 가구 유형, 연령대, 위기 징후, 신고 내용" in review
    out = await worker.press("📤 의뢰 보내기")
    assert "의뢰 R1을 종로구정신건강복지센터에 보냈어요" in texts(out)

    # The centre's chat: number, 읍면동, need and due date — no address, no report text.
    alert = fake_api.texts(MENTAL_CHAT)[-1]
    assert "새 의뢰 R1" in alert and "혜화동" in alert and "정신적 건강" in alert
    assert "명륜길" not in alert and "우편물" not in alert and "우울감" not in alert

    # Someone of another organisation cannot take it (refused in their own chat, nothing shown).
    stranger = TelegramUser(office, fake_api, user_id=FOOD_WORKER)
    response = await office.post_update(_group_press(office, fake_api, MENTAL_CHAT, "접수", by=FOOD_WORKER))
    assert "찾을 수 없거나" in fake_api.texts(MENTAL_CHAT)[-1]  # the one answer for "not yours"
    assert "명륜길" not in "\n".join(fake_api.texts(FOOD_WORKER))
    stranger.new_messages()

    centre = TelegramUser(office, fake_api, user_id=MENTAL_WORKER)
    await office.post_update(_group_press(office, fake_api, MENTAL_CHAT, "📥 접수", by=MENTAL_WORKER))
    assert "의뢰 R1: 접수됨" in fake_api.texts(MENTAL_CHAT)[-1]
    details = texts(centre.new_messages())
    assert "명륜길 12, 2층" in details and "우편물" in details and "우울감이 심해" in details
    assert "명륜길" not in "\n".join(fake_api.texts(MENTAL_CHAT))  # never in the group
    assert "🔔 의뢰 R1 (종로구정신건강복지센터): 접수됨" in texts(worker.new_messages())

    for label, state in (("✅ 수락", "수락됨"), ("▶ 서비스 시작", "서비스 중")):
        await centre.press(label)
        assert f"🔔 의뢰 R1 (종로구정신건강복지센터): {state}" in texts(worker.new_messages())
    out = await centre.press("🏁 완료")
    assert "결과를 골라 주세요" in texts(out)
    await centre.press("서비스 제공 완료")
    seen = texts(worker.new_messages())
    assert "🔔 의뢰 R1 (종로구정신건강복지센터): 완료" in seen and "서비스 제공 완료" in seen

    out = await worker.say("/referrals")
    assert "보낸 의뢰 1건" in texts(out) and "R1 · 완료" in worker.buttons()[0]

    # The reporter hears nothing of the referral or the centre.
    reporter.new_messages()
    status = texts(await reporter.say("/status"))
    assert status and "의뢰" not in status and "정신건강" not in status and "R1" not in status


async def test_without_consent_the_dialog_says_so_and_records_the_new_consent_with_the_referral(office, fake_api):
    _, worker = await _opened_case(office, fake_api)
    await worker.say("/case 1")
    await worker.press("🤝 의뢰하기")
    await worker.press("정신적 건강")
    await worker.press("⚠ 종로구정신건강복지센터 (동의 필요)")
    out = await worker.press("건너뛰기")
    review = texts(out)
    assert "제3자 제공 항목에 이 기관이 없어요" in review and "📤 의뢰 보내기" not in worker.buttons()
    out = await worker.press("📝 이 기관을 넣은")
    assert "의뢰 R1을 종로구정신건강복지센터에 보냈어요" in texts(out)
    async with office.services.db.read() as conn:
        actions = [r.action for r in await conn.execute(select(AuditEntry.action).order_by(AuditEntry.id))]
    assert actions[-2:] == ["record_consent", "refer"]


async def test_unanswered_it_reminds_the_centre_then_the_sender_and_the_coordinator(office, fake_api):
    _, worker = await _opened_case(office, fake_api)
    await _consent(office, ["jn-mental"])
    await worker.say("/case 1")
    for label in ("🤝 의뢰하기", "정신적 건강", "✓ 종로구정신건강복지센터", "건너뛰기", "📤 의뢰 보내기"):
        await worker.press(label)
    async with office.services.db.transaction() as conn:  # the day before the due day comes
        await conn.execute(update(Timer).where(Timer.kind == "referral_due_soon").values(due_at=utcnow()))
    await housekeeping.run_once(office.services)
    await office.delivered()
    assert any("회신 기한이" in t for t in fake_api.texts(MENTAL_CHAT))
    assert any("회신 기한이" in t for t in fake_api.texts(MENTAL_WORKER))
    assert not any("지났는데" in t for t in fake_api.texts(CASEWORKER))
    async with office.services.db.transaction() as conn:  # the working day after it, still unanswered
        await conn.execute(update(Timer).where(Timer.kind == "referral_overdue").values(due_at=utcnow()))
    await housekeeping.run_once(office.services)
    await office.delivered()
    assert any("R1 (종로구정신건강복지센터) 회신 기한" in t and "지났는데" in t for t in fake_api.texts(CASEWORKER))
    assert any("지났는데" in t for t in fake_api.texts(COORDINATOR))
    assert not any("지났는데" in t for t in fake_api.texts(MENTAL_CHAT))


async def test_a_partner_asking_for_a_case_gets_not_found_and_is_audited(office, fake_api):
    await _opened_case(office, fake_api)
    stranger = TelegramUser(office, fake_api, user_id=FOOD_WORKER)
    out = await stranger.say("/case 1")
    assert "찾을 수 없거나" in texts(out)
    async with office.services.db.read() as conn:
        info = await members.member_by_telegram(conn, FOOD_WORKER)
        rows = [(r.action, r.subject) for r in await conn.execute(select(AuditEntry).where(
            AuditEntry.actor == f"member:{info.id}"))]
    assert rows == [("denied_read", "case:1")]
