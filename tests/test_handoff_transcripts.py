"""Hand-offs through the real Telegram layer (fake Bot API), on SQLite and PostgreSQL: the
receiving centre refers onward (재의뢰) from its referral card to an organisation the consent
names; the coordinator changes the lead (주사례관리기관) from the referral card; the team leader
moves a case to the 읍면동 the household moved to, picked by button. Also: the taps a referral
takes for the sender and for the receiver."""
from __future__ import annotations

from sqlalchemy import select

from core import referrals as core_referrals
from core.actor import Channel, member_actor
from core.work import Work
from state import members
from state.models import Case, ReferralRow
from state.timeutil import utcnow
from tests.harness import TelegramUser, texts
from tests.test_referral_transcripts import (  # noqa: F401 - the fixture
    CASEWORKER, COORDINATOR, MENTAL_CHAT, MENTAL_WORKER, _consent, _group_press, _opened_case, office,
)

LEADER, NEW_LEADER = 7002, 7003
IHWA = "1111064000"


async def _refer(office, fake_api, worker: TelegramUser) -> int:
    """The sender's whole referral, counted in taps (the /case command opens the card)."""
    await worker.say("/case 1")
    taps = ["🤝 의뢰하기", "정신적 건강", "✓ 종로구정신건강복지센터", "건너뛰기", "📤 의뢰 보내기"]
    for label in taps:
        out = await worker.press(label)
    assert "의뢰 R1을 종로구정신건강복지센터에 보냈어요" in texts(out)
    return len(taps)


async def test_the_centre_refers_onward_only_to_an_organisation_the_consent_names(office, fake_api):  # noqa: F811
    _, worker = await _opened_case(office, fake_api)
    await _consent(office, ["jn-mental", "jn-dementia"])
    assert await _refer(office, fake_api, worker) == 5  # the sender: five taps after opening the case
    centre = TelegramUser(office, fake_api, user_id=MENTAL_WORKER)
    await office.post_update(_group_press(office, fake_api, MENTAL_CHAT, "📥 접수", by=MENTAL_WORKER))
    await office.delivered()
    assert "명륜길 12, 2층" in texts(centre.new_messages())  # the receiver: one tap takes it, details privately
    worker.new_messages()

    out = await centre.press("➡ 다른 기관으로 재의뢰")
    assert "어느 기관으로 보낼까요" in texts(out)
    assert centre.buttons() == ["종로구치매안심센터"]  # not the food bank: the consent does not name it
    out = await centre.press("종로구치매안심센터")
    assert "의뢰 R1을 종로구치매안심센터로 재의뢰했어요 (새 의뢰 R2)" in texts(out)
    await office.delivered()
    assert "🔔 의뢰 R1 (종로구정신건강복지센터): 다른 기관으로 재의뢰" in texts(worker.new_messages())
    async with office.services.db.read() as conn:
        onward = (await conn.execute(select(ReferralRow).where(ReferralRow.id == 2))).one()
    assert (onward.to_org_code, onward.previous_id, onward.state) == ("jn-dementia", 1, "requested")
    out = await centre.say("/referrals")  # R1 is passed on: the centre owes nothing now
    assert "R1" not in texts(out) and not any("R1" in b for b in centre.buttons())


async def test_the_coordinator_accepts_a_hard_case_then_hands_the_lead_back_by_button(office, fake_api):  # noqa: F811
    await _opened_case(office, fake_api)
    await _consent(office, ["jn-hope"])
    s = office.services
    async with s.db.transaction() as conn:
        actor = member_actor(await members.member_by_telegram(conn, CASEWORKER), s.runner.directory, Channel.API)
        await core_referrals.refer(Work(s.db, conn, s.cipher, s.runner.directory, utcnow()), actor, 1, "jn-hope",
                                   need="safety", request="고난도: 복합 위기")
    coordinator = TelegramUser(office, fake_api, user_id=COORDINATOR)
    await coordinator.say("/referrals")
    await coordinator.press("R1")
    assert "🏛 주사례관리기관 지정" in coordinator.buttons()
    await coordinator.press("✅ 수락")  # the 희망복지지원단 takes the hard case and leads it (L8101–8111)
    out = await coordinator.press("🏛 주사례관리기관 지정")
    assert "지금 주사례관리기관: 종로구 희망복지지원단" in texts(out)
    assert "↩ 읍면동 팀이 다시 맡기" in coordinator.buttons() and "🏠 다른 읍면동으로 이관" in coordinator.buttons()
    out = await coordinator.press("↩ 읍면동 팀이 다시 맡기")
    assert "사례 #1: 다시 읍면동 팀이 주사례관리를 맡아요" in texts(out)
    async with s.db.read() as conn:
        assert (await conn.execute(select(Case.lead_org_code).where(Case.id == 1))).scalar() is None


async def test_the_team_leader_moves_the_case_by_button_and_the_partners_hear_of_it(office, fake_api):  # noqa: F811
    _, worker = await _opened_case(office, fake_api)
    await _consent(office, ["jn-mental"])
    await _refer(office, fake_api, worker)
    async with office.services.db.transaction() as conn:
        for uid, dong in ((LEADER, "1111065000"), (NEW_LEADER, IHWA)):
            await members.create_member(conn, office.services.cipher, role="team_leader", dong_code=dong,
                                        sigungu_code="11110", now=utcnow(), telegram_user_id=uid)
    await worker.say("/case 1")
    assert "🏠 다른 읍면동으로 이관" not in worker.buttons()  # the team leader moves a case, not the caseworker
    leader = TelegramUser(office, fake_api, user_id=LEADER)
    await leader.say("/case 1")
    out = await leader.press("🏠 다른 읍면동으로 이관")
    assert "가구가 이사한 읍면동을 골라 주세요" in texts(out) and "🏠 이화동" in leader.buttons()
    assert "🏠 혜화동" not in leader.buttons()
    out = await leader.press("🏠 이화동")
    assert "이화동으로 이관했어요" in texts(out)
    await office.delivered()
    assert any("R1의 가구가 혜화동에서 이화동으로 이사했어요" in t for t in fake_api.texts(MENTAL_CHAT))
    assert "찾을 수 없거나" in texts(await worker.say("/case 1"))  # the old team lets go
    new_leader = TelegramUser(office, fake_api, user_id=NEW_LEADER)
    out = await new_leader.say("/case 1")
    assert "사례 #1" in texts(out) and "주사례관리자: 제안됨" not in texts(out)  # nobody manages it yet
    async with office.services.db.read() as conn:
        row = (await conn.execute(select(Case).where(Case.id == 1))).one()
    assert (row.dong_code, row.manager_member_id, row.manager_designated_by) == (IHWA, None, None)


async def test_the_case_card_says_who_leads_and_who_co_manages_in_which_role(office, fake_api):  # noqa: F811
    from core import co_managers as core_co_managers
    _, worker = await _opened_case(office, fake_api)
    await _consent(office, ["jn-food", "jn-hope"])
    s = office.services
    async with s.db.transaction() as conn:
        work = Work(s.db, conn, s.cipher, s.runner.directory, utcnow())
        cw = member_actor(await members.member_by_telegram(conn, CASEWORKER), s.runner.directory, Channel.API)
        coordinator = member_actor(await members.member_by_telegram(conn, COORDINATOR), s.runner.directory,
                                   Channel.API)
        await core_co_managers.add_co_manager(work, cw, 1, "jn-food", "resources", "매월 밑반찬")
        await core_referrals.reassign_lead(work, coordinator, 1, "jn-hope")
    card = texts(await worker.say("/case 1"))
    assert "🏛 주사례관리기관: 종로구 희망복지지원단" in card
    assert "🤝 공동사례관리: 종로구 푸드뱅크 · 물품·후원 연계 · 매월 밑반찬" in card and "동의서에 없음" not in card
    await _consent(office, ["jn-hope"])  # a new consent that leaves the food bank out
    card = texts(await worker.say("/case 1"))
    assert "종로구 푸드뱅크 · 물품·후원 연계 · 매월 밑반찬 (⚠ 지금 동의서에 없음)" in card
