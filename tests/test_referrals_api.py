"""The linkage API: consent then referral, the receiver's replies, the lists with their filters,
the coordinator's view, the organisation directory, the export's referral columns, and a
partner refused a referral not theirs (404, audited even though the request rolled back)."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from state import members
from state.models import AuditEntry
from state.timeutil import utcnow
from tests.harness import make_settings, running_app
from tests.test_api_access import file

HYEHWA = "1111065000"
TELEGRAM = {"cw": 8101, "mental": 8102}
CONSENT = {"general_data": True, "unique_identifiers": False, "sensitive_data": False, "third_party": True}


@pytest.fixture
async def office(db_url, tmp_path, fake_api):
    settings = make_settings(db_url, fake_api, tmp_path)
    async with running_app(settings) as service:
        tokens: dict[str, str] = {}
        async with service.services.db.transaction() as conn:
            cipher, now = service.services.cipher, utcnow()
            for name, role, dong, org in (("cw", "caseworker", HYEHWA, None), ("mental", "partner_worker", None, "jn-mental"),
                                          ("food", "partner_lead", None, "jn-food"),
                                          ("coord", "coordinator", None, "jn-hope")):
                member = await members.create_member(conn, cipher, role=role, dong_code=dong, sigungu_code="11110",
                                                     now=now, org_code=org, telegram_user_id=TELEGRAM.get(name))
                tokens[name] = await members.create_api_token(conn, cipher, member, now)
                service.__dict__.setdefault("ids", {})[name] = member
        receipt = await file(service, fake_api, 6001, "혜화동")
        service.tokens, service.fake = tokens, fake_api
        response = await call(service, "cw", "POST", f"/api/reports/{receipt}/take", {})
        service.case = response.json()["id"]
        yield service


def office_fake(service):
    return service.fake


async def call(service, who, method, path, body=None):
    return await service.client.request(method, path, json=body,
                                        headers={"Authorization": f"Bearer {service.tokens[who]}"})


async def test_refer_reply_and_lists_through_the_api(office):
    case = office.case
    refused = await call(office, "cw", "POST", f"/api/cases/{case}/referrals", {"to_org": "jn-mental",
                                                                                 "need": "mental_health"})
    assert refused.status_code == 409
    assert refused.json()["detail"]["refusal"] == "referral.error.consent_missing"
    assert "이 기관을 넣은 새 동의를 받아" in refused.json()["detail"]["message"]
    consent = await call(office, "cw", "POST", f"/api/cases/{case}/consent", {**CONSENT, "recipients": ["jn-mental"]})
    assert consent.status_code == 200 and consent.json()["recipients"] == ["jn-mental"]
    sent = await call(office, "cw", "POST", f"/api/cases/{case}/referrals",
                      {"to_org": "jn-mental", "need": "mental_health", "request": "상담 요청"})
    assert sent.status_code == 200, sent.text
    referral = sent.json()
    assert referral["state"] == "requested" and referral["overdue"] is False

    # The centre has no group chat: its members get the PII-free alert.
    await office.delivered()
    alert = office.services.telegram and "\n".join(office_fake(office).texts(TELEGRAM["mental"]))
    assert f"새 의뢰 R{referral['id']}" in alert and "상담 요청" not in alert and "며칠째" not in alert
    owed = await call(office, "mental", "GET", "/api/referrals?box=received")
    assert [r["id"] for r in owed.json()] == [referral["id"]]
    assert (await call(office, "food", "GET", "/api/referrals?box=received")).json() == []
    detail = (await call(office, "mental", "GET", f"/api/referrals/{referral['id']}")).json()
    assert detail["request"] == "상담 요청" and detail["shared"] == ["address", "phone", "household", "age_band"]
    assert "description" not in detail["details"]  # no sensitive part in this consent

    # Another partner: 404 as if it did not exist, and the attempt is in the audit log.
    stranger = await call(office, "food", "GET", f"/api/referrals/{referral['id']}")
    assert stranger.status_code == 404
    async with office.services.db.read() as conn:
        denied = (await conn.execute(select(AuditEntry.action, AuditEntry.subject).where(
            AuditEntry.actor == f"member:{office.ids['food']}"))).all()
    assert denied == [("denied_read", f"referral:{referral['id']}")]
    assert (await call(office, "food", "POST", f"/api/referrals/{referral['id']}/reply",
                       {"action": "accept"})).status_code == 404

    moved = await call(office, "mental", "POST", f"/api/referrals/{referral['id']}/reply",
                       {"action": "reject", "reason": "out_of_area"})
    assert moved.json()["referral"]["state"] == "rejected"
    await office.delivered()
    told = "\n".join(office_fake(office).texts(TELEGRAM["cw"]))
    assert f"의뢰 R{referral['id']} (종로구정신건강복지센터): 반려됨" in told and "서비스 지역 밖이에요" in told
    assert (await call(office, "cw", "GET", "/api/referrals?box=sent&state=rejected")).json()[0]["reject_reason"] \
        == "out_of_area"
    assert (await call(office, "cw", "GET", "/api/referrals?box=sent&state=requested")).json() == []

    coordination = (await call(office, "coord", "GET", "/api/referrals/coordination")).json()
    assert coordination["by_organisation"] == []  # nothing open any more
    orgs = (await call(office, "mental", "GET", "/api/organisations")).json()
    assert {o["code"]: o["reply_days"] for o in orgs}["jn-food"] == 10

    export = await call(office, "cw", "GET", "/api/export/cases.csv")
    table = list(csv.DictReader(io.StringIO(export.text.lstrip("\ufeff"))))
    assert table[0]["referrals"] == "1" and table[0]["referrals_open"] == "0"
    assert table[0]["referral_orgs"] == "jn-mental" and table[0]["last_referral_state"] == "rejected"


async def test_the_coordinator_sees_open_referrals_by_organisation(office):
    case = office.case
    await call(office, "cw", "POST", f"/api/cases/{case}/consent", {**CONSENT, "recipients": ["jn-mental", "jn-food"]})
    for org, need in (("jn-mental", "mental_health"), ("jn-food", "economy"), ("jn-food", "economy")):
        assert (await call(office, "cw", "POST", f"/api/cases/{case}/referrals",
                           {"to_org": org, "need": need})).status_code == 200
    view = (await call(office, "coord", "GET", "/api/referrals/coordination")).json()
    assert [(r["org_code"], r["open"], r["overdue"]) for r in view["by_organisation"]] == [("jn-food", 2, 0),
                                                                                          ("jn-mental", 1, 0)]
    assert (await call(office, "coord", "GET", "/api/referrals/coordination?overdue=true")).json()["referrals"] == []
    # A partner is not the coordinator.
    assert (await call(office, "mental", "GET", "/api/referrals/coordination")).status_code == 403


async def test_a_move_transfers_the_case_and_tells_the_partners(office):
    case = office.case
    async with office.services.db.transaction() as conn:
        cipher, now = office.services.cipher, utcnow()
        for name, role, dong in (("tl", "team_leader", HYEHWA), ("tl_new", "team_leader", "1111064000"),
                                 ("cw_new", "caseworker", "1111064000")):
            office.ids[name] = await members.create_member(conn, cipher, role=role, dong_code=dong,
                                                           sigungu_code="11110", now=now)
            office.tokens[name] = await members.create_api_token(conn, cipher, office.ids[name], now)
    await call(office, "cw", "POST", f"/api/cases/{case}/consent", {**CONSENT, "recipients": ["jn-mental"]})
    referral = (await call(office, "cw", "POST", f"/api/cases/{case}/referrals",
                           {"to_org": "jn-mental", "need": "mental_health"})).json()
    assert (await call(office, "cw", "POST", f"/api/cases/{case}/transfer", {"to_dong": "1111064000"})).status_code \
        == 403  # the team leader (or the coordinator) moves a case, not the caseworker
    moved = await call(office, "tl", "POST", f"/api/cases/{case}/transfer", {"to_dong": "1111064000"})
    assert moved.json() == {"case_id": case, "from_dong": HYEHWA, "to_dong": "1111064000",
                            "partners_told": ["jn-mental"]}
    await office.delivered()
    told = "\n".join(office.fake.texts(TELEGRAM["mental"]))
    assert f"의뢰 R{referral['id']}의 가구가 혜화동에서 이화동으로 이사했어요" in told
    # The old 동 lets go; the new team leader designates the manager.
    assert (await call(office, "cw", "GET", f"/api/cases/{case}")).status_code == 404
    receipt = (await call(office, "tl_new", "GET", f"/api/cases/{case}")).json()["receipt_no"]
    taken = await call(office, "tl_new", "POST", f"/api/reports/{receipt}/take",
                       {"manager_member_id": office.ids["cw_new"]})
    assert taken.status_code == 200 and taken.json()["manager_member_id"] == office.ids["cw_new"]
