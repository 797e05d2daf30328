"""The back office's access rules, endpoint by endpoint and role by role: a role never sees
another 읍면동's records, reads and exports are audited, a removed account stops at once."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from state import members
from state.models import AuditEntry
from state.timeutil import utcnow
from tests.harness import TelegramUser, make_settings, running_app

HYEHWA, IHWA = "1111065000", "1111064000"


async def file(service, fake, user_id, dong_label):
    reporter = TelegramUser(service, fake, user_id=user_id)
    await reporter.say("/start report")
    for label in ("이웃·지인", "주민·이웃", "고립", "선택 완료", "혼자 사는 어르신", "80세", "여성", dong_label, "건너뛰기"):
        await reporter.press(label)
    await reporter.say("며칠째 안 보여요")
    await reporter.press("아니요, 급하지 않아요")  # the 고독사 question: no same-day visit
    await reporter.press("익명")
    await reporter.press("동의하고 접수")
    return reporter.last_text().split("접수번호: ")[1].split("\n")[0]


@pytest.fixture
async def office(tmp_path, fake_api):
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'api.db'}", fake_api, tmp_path)
    async with running_app(settings) as service:
        tokens: dict[str, str] = {}
        ids: dict[str, int] = {}
        async with service.services.db.transaction() as conn:
            cipher, now = service.services.cipher, utcnow()
            for name, role, dong in (("cw_a", "caseworker", HYEHWA), ("cw_a2", "caseworker", HYEHWA),
                                     ("tl_a", "team_leader", HYEHWA), ("cw_b", "caseworker", IHWA),
                                     ("admin", "sigungu_admin", None), ("auditor", "auditor", None),
                                     ("gone", "caseworker", HYEHWA), ("officer", "honorary_officer", HYEHWA)):
                ids[name] = await members.create_member(conn, cipher, role=role, dong_code=dong, sigungu_code="11110",
                                                        now=now)
                tokens[name] = await members.create_api_token(conn, cipher, ids[name], now)
        service.receipt_a = await file(service, fake_api, 6001, "혜화동")
        service.receipt_b = await file(service, fake_api, 6002, "이화동")
        response = await service.client.post(f"/api/reports/{service.receipt_a}/take", json={},
                                              headers={"Authorization": f"Bearer {tokens['cw_a']}"})
        assert response.status_code == 200, response.text
        service.case_a = response.json()["id"]
        async with service.services.db.transaction() as conn:
            await members.deactivate_member(conn, ids["gone"])
        service.tokens, service.member_ids = tokens, ids
        yield service


async def call(service, who, method, path, body=None):
    headers = {"Authorization": f"Bearer {service.tokens[who]}"} if who else {}
    return await service.client.request(method, path, json=body, headers=headers)


FOLLOWUP = {"submission": {"version": 1, "reached": False}}
# (method, path template, body) → expected status per role
MATRIX = [
    ("GET", "/api/reports", None,
     {"cw_a": 200, "cw_a2": 200, "tl_a": 200, "cw_b": 200, "admin": 200, "auditor": 200, "gone": 401, "officer": 401, None: 401}),
    ("GET", "/api/reports/{receipt_a}", None,
     {"cw_a": 200, "cw_a2": 200, "tl_a": 200, "cw_b": 404, "admin": 200, "auditor": 403, "gone": 401, "officer": 401, None: 401}),
    ("GET", "/api/reports/{receipt_b}", None,
     {"cw_a": 404, "tl_a": 404, "cw_b": 200, "admin": 200, "auditor": 403}),
    ("POST", "/api/reports/{receipt_a}/take", {},
     {"cw_a2": 409, "cw_b": 404, "admin": 403, "auditor": 403, "gone": 401, None: 401}),
    ("GET", "/api/cases", None,
     {"cw_a": 200, "tl_a": 200, "cw_b": 200, "admin": 200, "auditor": 200, "gone": 401, None: 401}),
    ("GET", "/api/cases/{case_a}", None,
     {"cw_a": 200, "cw_a2": 200, "tl_a": 200, "cw_b": 404, "admin": 200, "auditor": 403, "gone": 401, None: 401}),
    ("POST", "/api/cases/{case_a}/actions", {"action": "refer_elsewhere"},
     {"cw_a2": 403, "cw_b": 404, "admin": 403, "auditor": 403, "gone": 401, None: 401}),
    ("POST", "/api/cases/{case_a}/followups", FOLLOWUP,
     {"cw_a2": 403, "cw_b": 404, "admin": 403, "auditor": 403, "gone": 401, None: 401}),
    ("GET", "/api/export/cases.csv", None,
     {"cw_a": 200, "tl_a": 200, "cw_b": 200, "admin": 200, "auditor": 403, "gone": 401, None: 401}),
    ("GET", "/api/audit", None,
     {"cw_a": 403, "tl_a": 403, "cw_b": 403, "admin": 200, "auditor": 200, "gone": 401, None: 401}),
    ("GET", "/api/audit/verify", None, {"cw_a": 403, "admin": 200, "auditor": 200, None: 401}),
]


async def test_every_role_on_every_endpoint(office):
    failures = []
    for method, template, body, expected in MATRIX:
        path = template.format(receipt_a=office.receipt_a, receipt_b=office.receipt_b, case_a=office.case_a)
        for who, status in expected.items():
            got = (await call(office, who, method, path, body)).status_code
            if got != status:
                failures.append(f"{who} {method} {template}: {got} != {status}")
    assert failures == []


async def test_lists_are_scoped_and_carry_no_personal_data(office):
    mine = (await call(office, "cw_a", "GET", "/api/reports")).json()
    assert [r["receipt_no"] for r in mine] == [office.receipt_a]
    other = (await call(office, "cw_b", "GET", "/api/reports")).json()
    assert [r["receipt_no"] for r in other] == [office.receipt_b]
    assert len((await call(office, "admin", "GET", "/api/reports")).json()) == 2
    assert "description" not in mine[0] and "phone" not in mine[0]
    csv_b = (await call(office, "cw_b", "GET", "/api/export/cases.csv")).text
    assert office.receipt_a not in csv_b
    csv_a = (await call(office, "cw_a", "GET", "/api/export/cases.csv")).text
    assert office.receipt_a in csv_a and "며칠째" not in csv_a


async def test_reads_and_exports_are_audited_and_the_chain_verifies(office):
    await call(office, "cw_a", "GET", f"/api/reports/{office.receipt_a}")
    await call(office, "tl_a", "GET", f"/api/cases/{office.case_a}")
    await call(office, "admin", "GET", "/api/export/cases.csv")
    async with office.services.db.read() as conn:
        rows = (await conn.execute(select(AuditEntry.actor, AuditEntry.action, AuditEntry.subject))).all()
    actions = {(a, s) for _, a, s in rows}
    assert ("read", f"report:{office.receipt_a}") in actions and ("read", f"case:{office.case_a}") in actions
    assert ("export", "cases.csv") in actions
    assert all("며칠째" not in str(r) for r in rows)
    assert (await call(office, "auditor", "GET", "/api/audit/verify")).json()["intact"] is True


async def test_process_over_the_api_with_refusals_explained(office):
    path = f"/api/cases/{office.case_a}/actions"
    ok = await call(office, "cw_a", "POST", path, {"action": "assign_counsellor"})
    assert ok.status_code == 200 and ok.json()["step"] == "initial_counselling"
    stale = await call(office, "cw_a", "POST", path, {"action": "request_case_management", "expected_version": 1})
    assert stale.status_code == 409 and stale.json()["detail"]["refusal"] == "case.error.stale"
    assert (await call(office, "cw_a", "POST", path, {"action": "request_case_management"})).status_code == 200
    # The survey waits for the team leader's designation of the 주사례관리자 (L8576–8578).
    waiting = await call(office, "cw_a", "POST", path, {"action": "accept_intake"})
    assert waiting.status_code == 409 and waiting.json()["detail"]["refusal"] == "case.error.not_designated"
    assert (await call(office, "cw_a", "GET", f"/api/cases/{office.case_a}")).json()["manager_designated"] is False
    designated = await call(office, "tl_a", "POST", f"/api/reports/{office.receipt_a}/take",
                            {"manager_member_id": office.member_ids["cw_a"]})
    assert designated.status_code == 200 and designated.json()["manager_designated"] is True
    assert (await call(office, "cw_a", "POST", path, {"action": "accept_intake"})).status_code == 200
    refused = await call(office, "cw_a", "POST", path, {"action": "complete_assessment"})
    assert refused.status_code == 409 and "consent" in refused.json()["detail"]["refusal"]
    assert refused.json()["detail"]["message"]  # a sentence a worker can read
    done = await call(office, "cw_a", "POST", path, {"action": "complete_assessment",
                                                    "facts": {"personal_data_consent": True}})
    assert done.status_code == 200 and done.json()["step"] == "case_meeting"
    detail = (await call(office, "cw_a", "GET", f"/api/cases/{office.case_a}")).json()
    assert [h["action"] for h in detail["history"]][-1] == "complete_assessment"
    assert any(d["clock"] == "selection" for d in detail["deadlines"])


async def test_followups_are_immutable_and_voided_with_a_reason(office):
    path = f"/api/cases/{office.case_a}/followups"
    for _ in range(3):
        response = await call(office, "cw_a", "POST", path, FOLLOWUP)
        assert response.status_code == 200
    assert response.json()["outcome"]["escalate"] is True  # the third unanswered call
    first = 1
    voided = await call(office, "cw_a", "POST", f"/api/followups/{first}/void", {"reason": "잘못된 사례에 기록"})
    assert voided.status_code == 200
    again = await call(office, "cw_a", "POST", f"/api/followups/{first}/void", {"reason": "두 번"})
    assert again.status_code == 409
    detail = (await call(office, "cw_a", "GET", f"/api/cases/{office.case_a}")).json()
    assert len(detail["followups"]) == 3 and detail["followups"][0]["void_reason"] == "잘못된 사례에 기록"


async def test_openapi_documents_the_back_office(office):
    spec = (await office.client.get("/openapi.json")).json()
    assert "/api/cases/{case_id}/actions" in spec["paths"] and "/api/reports" in spec["paths"]
