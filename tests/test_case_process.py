"""The case process as the guide has it (issue 14), through Telegram and the core on both engines:
a plan 반려 by the team leader and the step back to 욕구 재조사; a follow-up call that finds a
service 불이행 and leads to re-planning; a 서비스 연계 household's 1–3 month check reminded on a
fake clock; a closed household that moved, monitored by its new 읍면동 and reopened (재개입)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core import cases as core_cases
from core import conferences as core_conferences
from core import followups as core_followups
from core import referrals as core_referrals
from core import transfers as core_transfers
from core.actor import Channel, member_actor
from core.work import Work
from integrations import reminders
from state import cases, members
from state.models import AuditEntry, CaseEvent, FollowupSubmission, Timer
from state.timeutil import utcnow
from tests.harness import TelegramUser, make_settings, running_app, texts
from tests.test_casework_transcripts import TEAM_CHAT, TeamChat, directory_with_team_chat, file_report

HYEHWA, IHWA = "1111065000", "1111064000"
CASEWORKER, LEADER, NEW_WORKER, NEW_LEADER, PARTNER = 7301, 7302, 7303, 7304, 7305
ALL_PARTS = {"general_data": True, "unique_identifiers": False, "sensitive_data": True, "third_party": True}


@pytest.fixture
async def office(db_url, tmp_path, fake_api):
    settings = make_settings(db_url, fake_api, tmp_path, directory=directory_with_team_chat(tmp_path))
    async with running_app(settings) as service:
        s = service.services
        service.ids = {}
        async with s.db.transaction() as conn:
            for uid, role, dong, org in ((CASEWORKER, "caseworker", HYEHWA, None), (LEADER, "team_leader", HYEHWA, None),
                                         (NEW_WORKER, "caseworker", IHWA, None), (NEW_LEADER, "team_leader", IHWA, None),
                                         (PARTNER, "partner_worker", None, "jn-mental")):
                service.ids[uid] = await members.create_member(conn, s.cipher, role=role, dong_code=dong,
                                                               sigungu_code="11110", now=utcnow(),
                                                               telegram_user_id=uid, org_code=org)
        yield service


async def core_call(service, who: int, call, now=None):
    """Run one core function as a member, in its own transaction (as a channel would)."""
    s = service.services
    async with s.db.transaction() as conn:
        info = await members.member_by_id(conn, service.ids[who])
        actor = member_actor(info, s.runner.directory, Channel.API)
        return await call(Work(s.db, conn, s.cipher, s.runner.directory, now or utcnow()), actor)


async def open_case(service, fake_api) -> int:
    await file_report(service, fake_api)
    await TeamChat(service, fake_api).press("담당하기", by=CASEWORKER)
    # The team leader designates the 주사례관리자 before the survey (L8576–8578).
    await core_call(service, LEADER, lambda w, a: core_cases.assign_case(w, a, 1, service.ids[CASEWORKER]))
    return 1


async def to_selection(service, case_id: int) -> None:
    for action in ("assign_counsellor", "request_case_management", "accept_intake"):
        await core_call(service, CASEWORKER, lambda w, a, x=action: core_cases.act_on_case(w, a, case_id, x))
    for fact in ("personal_data_consent", "service_use_consent"):
        await core_call(service, CASEWORKER, lambda w, a, f=fact: core_cases.set_case_fact(w, a, case_id, f, True))
    await core_call(service, CASEWORKER, lambda w, a: core_cases.act_on_case(w, a, case_id, "complete_assessment"))
    # Selection's meeting is a recorded 사례회의 that decided it (core/conferences.py).
    await core_call(service, CASEWORKER, lambda w, a: core_conferences.record_conference(w, a, case_id,
                                                                                         decisions=["selection"]))


async def act(service, who: int, case_id: int, action: str) -> cases.CaseRecord:
    return await core_call(service, who, lambda w, a: core_cases.act_on_case(w, a, case_id, action))


async def load(service, case_id: int) -> cases.CaseRecord:
    async with service.services.db.read() as conn:
        return await cases.load(service.services.db, conn, case_id)


async def test_plan_returned_by_the_team_leader_and_a_step_back_to_a_needs_resurvey(office, fake_api):
    case_id = await open_case(office, fake_api)
    await to_selection(office, case_id)
    await act(office, LEADER, case_id, "select_case_management")
    worker = TelegramUser(office, fake_api, user_id=CASEWORKER)
    leader = TelegramUser(office, fake_api, user_id=LEADER)

    await worker.say(f"/case {case_id}")
    assert "서비스 제공계획 반려" not in worker.buttons()  # nothing awaits approval yet
    out = await worker.press("서비스 제공계획 승인요청")
    assert "처리했어요" in texts(out)
    assert any(f"#{case_id}" in m and "승인요청" in m for m in fake_api.texts(LEADER))  # the leader is told
    await worker.say(f"/case {case_id}")
    assert "서비스 제공계획 반려" not in worker.buttons()  # the manager cannot 반려 their own plan
    await leader.say(f"/case {case_id}")
    out = await leader.press("서비스 제공계획 반려")
    assert "사유" in texts(out) or "골라" in texts(out)
    out = await leader.press("조사한 욕구가 계획에 빠졌어요")
    assert "처리했어요" in texts(out)
    assert any("반려" in m and "조사한 욕구가 계획에 빠졌어요" in m for m in fake_api.texts(CASEWORKER))
    record = await load(office, case_id)
    assert record.state.step.value == "service_plan" and record.state.plan_submitted_on is None
    assert record.state.plan_return_reason.value == "needs_not_covered" and not record.state.plan_approved

    await worker.say(f"/case {case_id}")
    await worker.press("서비스 제공계획 승인요청")  # the revised plan goes up again
    await leader.say(f"/case {case_id}")
    assert "처리했어요" in texts(await leader.press("서비스 제공계획 승인·확정"))
    # A check finds a serious new need: back to 욕구 재조사, then a new plan without approval (L9687).
    await worker.say(f"/case {case_id}")
    assert "처리했어요" in texts(await worker.press("욕구 재조사"))
    assert (await load(office, case_id)).state.step.value == "needs_resurvey"
    await worker.say(f"/case {case_id}")
    assert "처리했어요" in texts(await worker.press("욕구 재조사 완료"))
    await worker.say(f"/case {case_id}")
    assert "처리했어요" in texts(await worker.press("서비스 제공계획 승인·확정"))
    record = await load(office, case_id)
    assert record.state.step.value == "service_delivery" and record.state.resurveys == 1
    async with office.services.db.read() as conn:
        events = (await conn.execute(select(CaseEvent.action, CaseEvent.detail).where(CaseEvent.case_id == case_id)
                                     .order_by(CaseEvent.id))).all()
    returned = [detail for action, detail in events if action == "return_service_plan"]
    assert returned == [{"plan_return_reason": "needs_not_covered"}]
    assert [a for a, _ in events if a in ("resurvey_needs", "complete_resurvey")] == ["resurvey_needs",
                                                                                      "complete_resurvey"]


async def test_a_followup_finds_a_service_not_delivered_and_leads_to_replanning(office, fake_api):
    case_id = await open_case(office, fake_api)
    await to_selection(office, case_id)
    await act(office, LEADER, case_id, "select_case_management")
    await act(office, LEADER, case_id, "confirm_service_plan")
    await core_call(office, CASEWORKER, lambda w, a: core_referrals.record_consent(w, a, case_id, ALL_PARTS,
                                                                                     ["jn-mental"]))
    referral = await core_call(office, CASEWORKER, lambda w, a: core_referrals.refer(w, a, case_id, "jn-mental",
                                                                                       need="mental_health"))
    for step in ("receive", "accept"):
        await core_call(office, PARTNER, lambda w, a, x=step: core_referrals.reply(w, a, referral.id, x))

    worker = TelegramUser(office, fake_api, user_id=CASEWORKER)
    await worker.say(f"/followup {case_id}")
    taps = 0
    for label in ("통화됨", "본인", "비슷함", "비슷함", "확인 완료"):
        out = await worker.press(label)
        taps += 1
    assert "계획한 서비스 1/1" in texts(out) and "정신적 건강" in texts(out)
    out = await worker.press("불이행")
    assert "왜 달라졌나요" in texts(out)  # 불이행 needs no frequency, only the reason (서식5 ⑭)
    out = await worker.press("제공기관 사정")
    taps += 2
    assert "새 위기 신호" in texts(out) or "위기 신호" in texts(out)
    for label in ("새 위기 신호 없음", "건너뛰기", "건너뛰기", "권장일"):
        out = await worker.press(label)
        taps += 1
    assert "불이행" in texts(out)  # the review lists the service's 이행상태
    out = await worker.press("저장")
    taps += 1
    assert taps == 12  # 10 for the call + 2 for the one planned service
    said = texts(out)
    assert "통화 기록 #1 저장" in said and "재수립" in said
    assert "서비스 제공계획 재수립" in worker.buttons()  # the re-plan, offered at once
    out = await worker.say(f"/case {case_id}")
    assert "불이행 서비스가 있어요" in texts(out)  # and on the card until it is acted on
    out = await worker.press("서비스 제공계획 재수립")
    assert "처리했어요" in texts(out)
    record = await load(office, case_id)
    assert record.state.step.value == "service_plan" and not record.facts.replan_suggested
    async with office.services.db.read() as conn:
        outcome = (await conn.execute(select(FollowupSubmission.outcome))).scalar_one()
    assert outcome["replan"] is True and outcome["services"] == [
        {"service": f"referral:{referral.id}", "status": "not_delivered", "frequency": None,
         "reason": "provider_conditions"}]


async def fire_at(office, monkeypatch, moment) -> None:
    """Sweep the durable timers with the clock set to `moment` (a fake clock, nothing slept)."""
    monkeypatch.setattr(reminders, "utcnow", lambda: moment)
    await reminders.fire_due(office.services)
    await office.delivered()


async def to_linked(office, fake_api) -> int:
    case_id = await open_case(office, fake_api)
    await to_selection(office, case_id)
    await act(office, LEADER, case_id, "select_service_linkage")
    await act(office, CASEWORKER, case_id, "link_service")
    return case_id


async def test_a_service_linkage_household_gets_its_1_to_3_month_check_reminder(office, fake_api, monkeypatch):
    case_id = await to_linked(office, fake_api)
    record = await load(office, case_id)
    check = next(d for d in record.deadlines() if d.clock.value == "linkage_check")
    linked = record.state.milestones.service_linked_on
    assert check.not_before > linked and check.due > check.not_before  # the window: 1 to 3 months (L9190)
    now = utcnow()
    await fire_at(office, monkeypatch, now + timedelta(days=3))
    assert not any("서비스 연계 점검" in t for t in fake_api.texts(CASEWORKER))  # too early
    await fire_at(office, monkeypatch, now + timedelta(days=40))
    reminded = [t for t in fake_api.texts(CASEWORKER) if "서비스 연계 점검" in t]
    assert len(reminded) == 1 and linked.isoformat() in reminded[0] and "#1" in reminded[0]
    assert not any("서비스 연계 점검" in t for t in fake_api.texts(LEADER))  # the manager's, not the leader's
    await fire_at(office, monkeypatch, now + timedelta(days=41))
    assert sum("서비스 연계 점검" in t for t in fake_api.texts(CASEWORKER)) == 1  # fires once

    # A call that reaches the household inside the window is the check: the clock closes.
    call = {"version": 1, "reached": True, "answered_by": "self",
            "domains": {d: "same" for d in ("economy", "care", "physical_health", "mental_health", "housing",
                                            "employment", "childcare_education", "relationships", "safety",
                                            "legal_rights", "culture_leisure")}}
    await core_call(office, CASEWORKER, lambda w, a: core_followups.record(w, a, case_id, call),
                    now=now + timedelta(days=40))
    record = await load(office, case_id)
    assert record.state.milestones.linkage_checked_on is not None
    assert not [d for d in record.deadlines() if d.clock.value == "linkage_check" and d.is_open]


async def test_a_closed_household_that_moved_is_monitored_by_the_new_dong_and_reopened(office, fake_api,
                                                                                      monkeypatch):
    case_id = await to_linked(office, fake_api)
    worker = TelegramUser(office, fake_api, user_id=CASEWORKER)
    # The call learns the household moved: a 종결 검토 for the manager and the team leader.
    await worker.say(f"/followup {case_id}")
    for label in ("통화됨", "본인", "비슷함", "비슷함", "확인 완료", "이사함", "새 위기 신호 없음", "건너뛰기",
                  "건너뛰기", "권장일"):
        await worker.press(label)
    out = await worker.press("저장")
    assert "종결 검토가 필요해요: 이사(전출)" in texts(out) and "서비스 연계 종료" in worker.buttons()
    alerts = [t for t in fake_api.texts(LEADER) if "종결 검토" in t]
    assert alerts and "명륜길" not in alerts[0] and "할머니" not in alerts[0]  # no personal data
    assert "처리했어요" in texts(await worker.press("서비스 연계 종료"))
    record = await load(office, case_id)
    assert record.state.step.value == "aftercare" and record.facts.closure_review_triggers == ()
    plan = record.monitoring()
    assert plan is not None and plan.frequency.value == "quarterly"  # not high-risk: quarterly (L10095–10097)

    moved = await core_call(office, LEADER, lambda w, a: core_transfers.transfer_case(w, a, case_id, IHWA))
    assert moved.to_dong == IHWA
    await fire_at(office, monkeypatch, utcnow() + timedelta(days=95))
    new_team = [t for t in fake_api.texts(NEW_LEADER) if "사후관리 연락 예정일" in t]
    assert new_team and "분기" in new_team[0]  # the 읍면동 of the current address monitors it (L10102–10106)
    assert not any("사후관리 연락 예정일" in t for t in fake_api.texts(CASEWORKER) + fake_api.texts(LEADER))

    # A new problem: the new 읍면동's caseworker reopens the case (재개입) from its card.
    old_worker_view = await worker.say(f"/case {case_id}")
    assert "재개입" not in " ".join(worker.buttons()) or "찾을 수 없" in texts(old_worker_view)
    newcomer = TelegramUser(office, fake_api, user_id=NEW_WORKER)
    out = await newcomer.say(f"/case {case_id}")
    assert "사후관리 중" in texts(out) and "🔁 재개입 (새 문제)" in newcomer.buttons()
    out = await newcomer.press("🔁 재개입 (새 문제)")
    assert "새 문제가 생겼나요" in texts(out)
    out = await newcomer.press("경제")
    assert "다시 열었어요" in texts(out) and "2회차" in texts(out)
    record = await load(office, case_id)
    assert record.state.step.value == "initial_counselling" and record.state.cycle == 2
    assert record.dong_code == IHWA and record.manager_member_id == office.ids[NEW_WORKER]
    async with office.services.db.read() as conn:
        entry = (await conn.execute(select(AuditEntry.action, AuditEntry.actor).where(
            AuditEntry.action == "reopen"))).one()
    assert entry.actor == f"member:{office.ids[NEW_WORKER]}"


async def test_reopen_through_the_api_is_for_the_dong_team_of_an_ended_case(office, fake_api):
    case_id = await open_case(office, fake_api)
    headers = {}
    async with office.services.db.transaction() as conn:
        for uid in (CASEWORKER, NEW_WORKER):
            headers[uid] = {"Authorization": "Bearer " + await members.create_api_token(
                conn, office.services.cipher, office.ids[uid], utcnow())}
    # The API records the per-service check too (서식5 ⑪–⑮): a 불이행 needs its reason, then asks to re-plan.
    path = f"/api/cases/{case_id}/followups"
    check = {"version": 1, "reached": True, "answered_by": "self", "domains": ALL_SAME, "method": "home_visit",
             "services": [{"service": "referral:9", "status": "not_delivered"}]}
    refused = await office.client.post(path, json={"submission": check}, headers=headers[CASEWORKER])
    assert refused.status_code in (400, 422)
    check["services"][0]["reason"] = "client_request"
    saved = await office.client.post(path, json={"submission": check}, headers=headers[CASEWORKER])
    assert saved.status_code == 200 and saved.json()["outcome"]["replan"] is True
    assert saved.json()["outcome"]["services"][0]["status"] == "not_delivered"
    body = {"problem": "economy"}
    open_refused = await office.client.post(f"/api/cases/{case_id}/reopen", json=body, headers=headers[CASEWORKER])
    assert open_refused.status_code == 409  # an open case is not reopened
    await act(office, CASEWORKER, case_id, "assign_counsellor")
    await core_call(office, CASEWORKER, lambda w, a: core_cases.act_on_case(
        w, a, case_id, "close_internally", facts={"early_closure_reason": "benefit_application"}))
    export = (await office.client.get("/api/export/cases.csv", headers=headers[CASEWORKER])).text
    assert "initial_exit.benefit_application" in export and "internal_closure" not in export
    other_dong = await office.client.post(f"/api/cases/{case_id}/reopen", json=body, headers=headers[NEW_WORKER])
    assert other_dong.status_code == 404
    bad = await office.client.post(f"/api/cases/{case_id}/reopen", json={"problem": "aliens"},
                                   headers=headers[CASEWORKER])
    assert bad.status_code in (400, 422)
    done = await office.client.post(f"/api/cases/{case_id}/reopen", json=body, headers=headers[CASEWORKER])
    assert done.status_code == 200 and done.json()["step"] == "initial_counselling" and done.json()["cycle"] == 2
    via_act = await office.client.post(f"/api/cases/{case_id}/actions", json={"action": "reopen"},
                                       headers=headers[CASEWORKER])
    assert via_act.status_code in (400, 409, 422)  # 재개입 has its own action and row
    async with office.services.db.read() as conn:
        timers_left = (await conn.execute(select(Timer.kind).where(Timer.kind == "monitoring_due"))).scalars().all()
    assert timers_left == []  # never monitored: it ended at 초기상담


ALL_SAME = {d: "same" for d in ("economy", "care", "physical_health", "mental_health", "housing", "employment",
                                 "childcare_education", "relationships", "safety", "legal_rights", "culture_leisure")}


async def test_a_call_that_reaches_a_monitored_household_is_its_aftercare_contact(office, fake_api):
    case_id = await to_linked(office, fake_api)
    await act(office, CASEWORKER, case_id, "end_linkage")
    before = (await load(office, case_id)).monitoring()
    later = utcnow() + timedelta(days=35)
    reached = {"version": 1, "reached": True, "answered_by": "self", "domains": ALL_SAME}
    await core_call(office, CASEWORKER, lambda w, a: core_followups.record(w, a, case_id, reached), now=later)
    contacted = await load(office, case_id)
    assert len(contacted.state.milestones.aftercare_contacts) == 1  # 모니터 상담 (L10108–10116)
    assert contacted.monitoring().next_contact_on > before.next_contact_on  # the next one counts from it
    async with office.services.db.read() as conn:
        kinds = (await conn.execute(select(Timer.kind, Timer.version).where(Timer.kind == "monitoring_due"))).all()
    assert (("monitoring_due", contacted.version)) in [tuple(k) for k in kinds]  # reminded for this version
