"""Case conferences (사례회의, 서식4) through the API and Telegram, on SQLite and PostgreSQL:

- a conference with two partner organisations decides 대상자 선정: the lifecycle then lets the
  team leader select the household; before it, selection's meeting is refused;
- a meeting of two cases keeps minutes per case (L8940), and an invited partner's view has no
  identifiers (L8942–8944); a partner not invited is refused, and the attempt is audited;
- the next meeting's reminder fires the day before on a fake clock, privately, PII-free;
- a 솔루션회의 request (서식10) reaches the coordinator, who schedules it;
- the Telegram 🗓 사례회의 dialog records a conference in a few taps.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from integrations import housekeeping, reminders
from state import members
from state.models import AuditEntry, CaseEvent, Timer
from state.timeutil import utcnow
from tests.harness import TelegramUser, make_settings, running_app, texts
from tests.test_casework_transcripts import directory_with_team_chat, file_report
from welfare.korea_time import KST, kst_moment, to_kst

HYEHWA = "1111065000"
CW, TL, MENTAL, FOOD, COORD = 7501, 7502, 7503, 7504, 7505
ADDRESS, PHONE = "명륜길 12, 2층", "010-2345-6789"
CONSENT = {"general_data": True, "unique_identifiers": False, "sensitive_data": True, "third_party": True}
TO_MEETING = ("assign_counsellor", "request_case_management", "accept_intake")


@pytest.fixture
async def office(db_url, tmp_path, fake_api):
    settings = make_settings(db_url, fake_api, tmp_path, directory=directory_with_team_chat(tmp_path))
    async with running_app(settings) as service:
        service.tokens, service.fake, service.ids = {}, fake_api, {}
        async with service.services.db.transaction() as conn:
            cipher, now = service.services.cipher, utcnow()
            for name, uid, role, dong, org in (("cw", CW, "caseworker", HYEHWA, None), ("tl", TL, "team_leader", HYEHWA, None),
                                               ("mental", MENTAL, "partner_worker", None, "jn-mental"),
                                               ("food", FOOD, "partner_worker", None, "jn-food"),
                                               ("coord", COORD, "coordinator", None, "jn-hope")):
                member = await members.create_member(conn, cipher, role=role, dong_code=dong, sigungu_code="11110",
                                                     now=now, telegram_user_id=uid, org_code=org)
                service.tokens[name] = await members.create_api_token(conn, cipher, member, now)
                service.ids[name] = member
        yield service


async def call(service, who, method, path, body=None):
    return await service.client.request(method, path, json=body,
                                        headers={"Authorization": f"Bearer {service.tokens[who]}"})


async def open_case(office, reporter: int, consent_names: list[str]) -> int:
    """A report (with an address) taken by the caseworker and brought to 사례회의 개최."""
    filer = await file_report(office, office.fake, user_id=reporter)
    receipt = filer.last_text().split("접수번호: ")[1].split("\n")[0]
    taken = await call(office, "cw", "POST", f"/api/reports/{receipt}/take", {})
    assert taken.status_code == 200, taken.text
    case = taken.json()["id"]
    # The team leader designates the 주사례관리자 before the survey (L8576–8578).
    designated = await call(office, "tl", "POST", f"/api/reports/{receipt}/take",
                            {"manager_member_id": office.ids["cw"]})
    assert designated.status_code == 200 and designated.json()["manager_designated"] is True, designated.text
    for action in TO_MEETING:
        assert (await call(office, "cw", "POST", f"/api/cases/{case}/actions", {"action": action})).status_code == 200
    consent = await call(office, "cw", "POST", f"/api/cases/{case}/consent", {**CONSENT, "recipients": consent_names})
    assert consent.status_code == 200, consent.text
    done = await call(office, "cw", "POST", f"/api/cases/{case}/actions", {"action": "complete_assessment"})
    assert done.json()["step"] == "case_meeting", done.text
    return case


async def audit_rows(office, action: str) -> list[tuple[str, str, dict]]:
    async with office.services.db.read() as conn:
        rows = await conn.execute(select(AuditEntry.actor, AuditEntry.subject, AuditEntry.detail)
                                  .where(AuditEntry.action == action).order_by(AuditEntry.id))
        return [tuple(r) for r in rows]


async def test_a_conference_with_two_partners_selects_the_household(office):
    case = await open_case(office, 5557101, ["jn-mental", "jn-food"])
    # Without a conference, selection's meeting is refused (not a free button any more).
    refused = await call(office, "cw", "POST", f"/api/cases/{case}/actions", {"action": "hold_selection_meeting"})
    assert refused.status_code == 409
    assert refused.json()["detail"]["refusal"] == "case.refused.selection_conference_missing"
    assert "사례회의에서 '대상자 선정'을" in refused.json()["detail"]["message"]
    early = await call(office, "tl", "POST", f"/api/cases/{case}/actions", {"action": "select_case_management"})
    assert early.status_code == 409
    # A partner's member is not an internal attendee (서식4 ⑥): they attend as their organisation (⑦).
    wrong = await call(office, "cw", "POST", f"/api/cases/{case}/conferences", {"internal": [office.ids["mental"]]})
    assert wrong.status_code == 422 and wrong.json()["detail"]["refusal"] == "conference.error.attendee"

    recorded = await call(office, "cw", "POST", f"/api/cases/{case}/conferences", {
        "kind": "integrated", "title": "독거 어르신 지원 방안", "content": "[주요 욕구와 문제] 식사와 우울",
        "decisions": ["selection", "service_plan"],
        "attendees": [{"org": "jn-mental", "role": "정신건강전문요원"}, {"org": "jn-food", "role": "팀장"}],
        "experts": [{"org": "jn-hope", "role": "슈퍼바이저", "name": "김전문"}], "internal": [office.ids["tl"]]})
    assert recorded.status_code == 200, recorded.text
    body = recorded.json()
    assert body["meeting"]["invited_orgs"] == ["jn-food", "jn-hope", "jn-mental"] and body["danger"] == []
    card = (await call(office, "cw", "GET", f"/api/cases/{case}")).json()
    assert card["step"] == "selection"  # the decision met the meeting selection needs
    selected = await call(office, "tl", "POST", f"/api/cases/{case}/actions", {"action": "select_case_management"})
    assert selected.status_code == 200 and selected.json()["step"] == "service_plan", selected.text

    async with office.services.db.read() as conn:
        events = [(e.action, e.detail.get("decision")) for e in await conn.execute(
            select(CaseEvent.action, CaseEvent.detail).where(CaseEvent.case_id == case).order_by(CaseEvent.id))]
    assert ("conference_decision", "selection") in events and ("conference_decision", "service_plan") in events
    assert events.index(("conference_decision", "selection")) < events.index(("hold_selection_meeting", None))
    [(actor, subject, detail)] = await audit_rows(office, "record_conference")
    assert subject == f"meeting:{body['meeting']['id']}" and detail["decisions"] == {str(case): ["selection", "service_plan"]}
    assert "김전문" not in json.dumps(detail, ensure_ascii=False)  # the audit log names no one

    minutes = (await call(office, "cw", "GET", f"/api/cases/{case}/conferences")).json()
    assert [m["round"] for m in minutes] == [1] and minutes[0]["experts"][0]["name"] == "김전문"
    assert {a["org"] for a in minutes[0]["attendees"]} == {"jn-mental", "jn-food"}


async def test_minutes_are_kept_per_case_and_outsiders_see_no_identifiers(office):
    first = await open_case(office, 5557201, ["jn-mental"])
    second = await open_case(office, 5557202, [])  # its consent names no organisation
    receipt = (await call(office, "cw", "GET", f"/api/cases/{first}")).json()["receipt_no"]
    meeting = await call(office, "tl", "POST", "/api/meetings", {
        "kind": "integrated", "title": f"{ADDRESS} 어르신 외 1건", "invited_orgs": ["jn-mental"],
        "attendees": [{"org": "jn-mental", "role": "사회복지사", "name": "이담당"}],
        "cases": [{"case_id": first, "content": f"주소 {ADDRESS}, 연락처 {PHONE}, 식사 지원 필요",
                   "decisions": ["selection"]},
                  {"case_id": second, "content": "둘째 사례: 주거 점검 필요 hong@example.com"}]})
    assert meeting.status_code == 200, meeting.text
    meeting_id = meeting.json()["meeting"]["id"]

    # Per case: each case's minutes hold its own content only (L8940).
    mine = (await call(office, "cw", "GET", f"/api/cases/{first}/conferences")).json()
    theirs = (await call(office, "cw", "GET", f"/api/cases/{second}/conferences")).json()
    assert [m["case_id"] for m in mine] == [first] and ADDRESS in mine[0]["content"]
    assert [m["case_id"] for m in theirs] == [second] and "주거 점검" in theirs[0]["content"]
    assert "식사" not in json.dumps(theirs, ensure_ascii=False)

    # The invited centre: receipt number and household type, identifiers stripped; the second
    # case's content not at all (its consent does not name the centre).
    seen = await call(office, "mental", "GET", f"/api/meetings/{meeting_id}")
    assert seen.status_code == 200, seen.text
    shared = seen.json()
    text = json.dumps(shared, ensure_ascii=False)
    for identifier in (ADDRESS, PHONE, "hong@example.com", "이담당", "명륜길"):
        assert identifier not in text, identifier
    by_case = {m["case_id"]: m for m in shared["minutes"]}
    assert by_case[first]["external"] and by_case[first]["agenda"] == f"{receipt} · older_alone"
    assert "식사 지원 필요" in by_case[first]["content"] and by_case[second]["content"] == ""
    assert (await call(office, "mental", "GET", f"/api/cases/{first}/conferences")).status_code == 200

    # A partner not invited: "no such case", and the attempt is on the audit log.
    for path in (f"/api/cases/{first}/conferences", f"/api/meetings/{meeting_id}"):
        stranger = await call(office, "food", "GET", path)
        assert stranger.status_code == 404, path
    denied = await audit_rows(office, "denied_read")
    assert [s for _, s, _ in denied][-2:] == [f"conferences:case:{first}", f"meeting:{meeting_id}"]
    reads = await audit_rows(office, "read")
    assert any(s == f"meeting:{meeting_id}" and d["external"] for _, s, d in reads)


async def test_the_next_meeting_reminder_fires_the_day_before_on_a_fake_clock(office, monkeypatch):
    case = await open_case(office, 5557301, ["jn-mental"])
    day = to_kst(utcnow()).date() + timedelta(days=3)
    starts = datetime.combine(day, datetime.min.time()).replace(hour=14)  # Korean time
    scheduled = await call(office, "tl", "POST", "/api/meetings/schedule", {
        "case_ids": [case], "starts_at": starts.isoformat(), "invited_orgs": ["jn-mental"]})
    assert scheduled.status_code == 200, scheduled.text
    assert to_kst(datetime.fromisoformat(scheduled.json()["starts_at"])).hour == 14
    # A caseworker does not schedule meetings (the team leader does, L8905).
    assert (await call(office, "cw", "POST", "/api/meetings/schedule", {
        "case_ids": [case], "starts_at": starts.isoformat()})).status_code == 403
    async with office.services.db.read() as conn:
        due = (await conn.execute(select(Timer.due_at).where(Timer.kind == "conference_soon"))).scalar_one()
    assert due == kst_moment(day - timedelta(days=1), datetime.min.time().replace(hour=9))

    async def run_at(moment: datetime) -> None:
        monkeypatch.setattr(reminders, "utcnow", lambda: moment)
        await housekeeping.run_once(office.services)
        await office.delivered()

    await run_at(due - timedelta(minutes=1))
    assert not any("내일" in t for t in office.fake.texts(MENTAL))
    await run_at(due + timedelta(minutes=1))
    for chat in (MENTAL, CW, TL):  # the invited centre's staff, the case manager, the leader who set it
        reminder = [t for t in office.fake.texts(chat) if "내일" in t]
        assert reminder and "통합사례회의" in reminder[0] and "14:00" in reminder[0], chat
        assert ADDRESS not in reminder[0] and "SP-" not in reminder[0]  # no personal data, not even the receipt
    assert not any("내일" in t for t in office.fake.texts(FOOD))
    await run_at(due + timedelta(minutes=2))
    assert len([t for t in office.fake.texts(MENTAL) if "내일" in t]) == 1  # once


async def test_a_solution_meeting_request_reaches_the_coordinator(office):
    case = await open_case(office, 5557401, ["jn-hope"])
    early = await call(office, "cw", "POST", f"/api/cases/{case}/solution-requests", {"request": "전문 자문 필요"})
    assert early.status_code == 409  # after at least one 통합사례회의 (L8848)
    assert early.json()["detail"]["refusal"] == "conference.error.integrated_first"
    held = await call(office, "cw", "POST", f"/api/cases/{case}/conferences",
                      {"kind": "integrated", "attendees": [{"org": "jn-mental", "role": ""}]})
    assert held.status_code == 200, held.text
    asked = await call(office, "cw", "POST", f"/api/cases/{case}/solution-requests",
                       {"request": f"{ADDRESS} 어르신, 채무와 우울이 겹쳐 전문 자문 필요"})
    assert asked.status_code == 200, asked.text
    request_id = asked.json()["id"]
    await office.delivered()
    notice = [t for t in office.fake.texts(COORD) if "솔루션회의 요청" in t]
    assert notice and f"#{request_id}" in notice[0] and "혜화동" in notice[0] and ADDRESS not in notice[0]
    assert (await call(office, "cw", "POST", f"/api/cases/{case}/solution-requests", {})).status_code == 409

    listed = await call(office, "coord", "GET", "/api/solution-requests")
    assert [r["id"] for r in listed.json()] == [request_id]
    assert (await call(office, "mental", "GET", "/api/solution-requests")).status_code == 403
    starts = (datetime.now(KST) + timedelta(days=5)).replace(tzinfo=None, microsecond=0)
    meeting = await call(office, "coord", "POST", f"/api/solution-requests/{request_id}/schedule",
                         {"starts_at": starts.isoformat(), "invited_orgs": ["jn-mental"]})
    assert meeting.status_code == 200, meeting.text
    assert meeting.json()["kind"] == "solution" and meeting.json()["invited_orgs"] == ["jn-hope", "jn-mental"]
    assert (await call(office, "coord", "GET", "/api/solution-requests")).json() == []
    # The 희망복지지원단 registers the 솔루션회의's minutes (서식11, L9042) against the meeting it set.
    held = await call(office, "coord", "POST", f"/api/cases/{case}/conferences", {
        "kind": "solution", "meeting_id": meeting.json()["id"], "content": "채무조정 연계, 정신건강 사례관리 공동개입",
        "attendees": [{"org": "jn-mental", "role": "정신건강전문요원"}]})
    assert held.status_code == 200, held.text
    assert held.json()["meeting"]["state"] == "held" and held.json()["meeting"]["kind"] == "solution"
    again = await call(office, "coord", "POST", f"/api/cases/{case}/conferences", {"meeting_id": meeting.json()["id"]})
    assert again.status_code == 409
    # The coordinator, invited, reads the case's minutes as the 시군구's staff.
    assert (await call(office, "coord", "GET", f"/api/cases/{case}/conferences")).status_code == 200


async def test_telegram_records_a_conference_in_a_few_taps(office):
    case = await open_case(office, 5557501, ["jn-mental", "jn-food"])
    worker = TelegramUser(office, office.fake, user_id=CW)
    await worker.say(f"/case {case}")
    assert "사례회의 개최" in worker.last_text() and "대상자 선정" not in " ".join(worker.buttons())
    taps = ["🗓 사례회의", "오늘", "종로구정신건강복지센터", "종로구 푸드뱅크", "다음 (2)", "대상자 선정", "다음 (1)",
            "건너뛰기", "💾 저장"]
    out = []
    for label in taps:
        out = await worker.press(label)
    said = texts(out)
    assert "사례회의를 기록했어요" in said and "1회차" in said, said
    assert "단계: 대상자 구분 및 선정" in said or "대상자 구분 및 선정" in said
    assert len(taps) == 9  # measured: two organisations and a selection decision
    minutes = texts(await worker.press("📋 회의록"))
    assert "1회차" in minutes and "대상자 선정" in minutes and "jn-mental" in minutes
    # A note that shows danger is kept, and the worker is told what to do at once.
    await worker.press("🗓 사례회의")
    for label in ("오늘", "다음 (0)", "다음 (0)"):
        await worker.press(label)
    await worker.say("어르신이 죽고 싶다고 하셨어요")
    said = texts(await worker.press("💾 저장"))
    assert "2회차" in said and "위험 신호" in said and "109" in said
    # The team leader selects from the card now.
    leader = TelegramUser(office, office.fake, user_id=TL)
    await leader.say(f"/case {case}")
    assert any("사례관리 가구로 선정" in b for b in leader.buttons())
