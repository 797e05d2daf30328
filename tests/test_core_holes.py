"""The holes an attack on the running service found, each closed in the core and shown closed
through the channels that reached it (issue 12): assignment to anyone, dates that freeze a
case, case cards in group chats, and answers that told which records exist elsewhere."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from dialogs import callback_data as cb
from state import members
from state.models import CaseEvent
from state.timeutil import utcnow
from tests.harness import TelegramUser, make_settings, running_app
from tests.test_api_access import HYEHWA, IHWA, file

TEAM_CHAT = -100777


@pytest.fixture
async def office(tmp_path, fake_api):
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'holes.db'}", fake_api, tmp_path)
    async with running_app(settings) as service:
        ids, tokens = {}, {}
        async with service.services.db.transaction() as conn:
            cipher, now = service.services.cipher, utcnow()
            for n, (name, role, dong) in enumerate((
                    ("cw_a", "caseworker", HYEHWA), ("tl_a", "team_leader", HYEHWA), ("cw_b", "caseworker", IHWA),
                    ("admin", "sigungu_admin", None), ("auditor", "auditor", None), ("gone", "caseworker", HYEHWA),
                    ("officer", "honorary_officer", HYEHWA))):
                ids[name] = await members.create_member(conn, cipher, role=role, dong_code=dong, sigungu_code="11110",
                                                        now=now, telegram_user_id=8100 + n)
                tokens[name] = await members.create_api_token(conn, cipher, ids[name], now)
            await members.deactivate_member(conn, ids["gone"])
        service.ids, service.tokens = ids, tokens
        service.receipt_a = await file(service, fake_api, 6001, "혜화동")
        service.receipt_b = await file(service, fake_api, 6002, "이화동")
        yield service


def auth(service, who):
    return {"Authorization": f"Bearer {service.tokens[who]}"}


async def take(service, receipt, who="cw_a", manager=None):
    body = {} if manager is None else {"manager_member_id": manager}
    return await service.client.post(f"/api/reports/{receipt}/take", json=body, headers=auth(service, who))


@pytest.mark.parametrize("assignee", ["cw_b", "admin", "auditor", "gone", "officer", 99999])
async def test_a_team_leader_assigns_only_to_the_active_team_of_that_dong(office, fake_api, assignee):
    target = office.ids.get(assignee, assignee)
    refused = await take(office, office.receipt_a, "tl_a", target)
    assert refused.status_code == 422 and refused.json()["detail"]["refusal"] == "case.error.not_assignable"
    # Over Telegram: the same refusal, and nobody's private chat gets the record.
    async with office.services.db.read() as conn:
        from state.reports import by_receipt
        report_id = (await by_receipt(conn, office.receipt_a)).id
    leader = TelegramUser(office, fake_api, user_id=8101)
    await leader.send_update(leader.press_update("|" + cb.assign_to(report_id, target)))
    assert "담당 직원에게만 배정할 수 있어요" in leader.last_text()
    for n in range(8100, 8107):
        assert all("며칠째" not in c.params.get("text", "") for c in fake_api.sent(n))
    assert (await take(office, office.receipt_a, "tl_a", office.ids["cw_a"])).status_code == 200


async def test_a_case_card_never_reaches_a_group_chat(office, fake_api):
    case_id = (await take(office, office.receipt_a)).json()["id"]
    version = (await office.client.get(f"/api/cases/{case_id}", headers=auth(office, "cw_a"))).json()["version"]
    worker = TelegramUser(office, fake_api, user_id=8100)
    before = len(fake_api.sent(TEAM_CHAT))
    for data in ("|" + cb.act(case_id, version, "assign_counsellor"), "|" + cb.open_case(case_id),
                 "|" + cb.toggle_fact(case_id, "personal_data_consent"), "|" + cb.full_record(case_id)):
        update = worker.press_update(data)
        update["callback_query"]["message"]["chat"] = {"id": TEAM_CHAT, "type": "supergroup", "title": "혜화동 팀"}
        assert (await office.post_update(update)).status_code == 200
    in_group = "\n".join(c.params.get("text", "") for c in fake_api.sent(TEAM_CHAT)[before:])
    for private in ("사례 #", "동의", "며칠째", "마감"):
        assert private not in in_group
    assert "사례 #" in "\n".join(c.params.get("text", "") for c in fake_api.sent(8100))  # it went to them instead


async def test_consent_set_over_telegram_is_versioned_evented_and_audited(office, fake_api):
    case = (await take(office, office.receipt_a)).json()
    worker = TelegramUser(office, fake_api, user_id=8100)
    await worker.send_update(worker.press_update("|" + cb.toggle_fact(case["id"], "personal_data_consent")))
    detail = (await office.client.get(f"/api/cases/{case['id']}", headers=auth(office, "cw_a"))).json()
    assert detail["facts"]["personal_data_consent"] is True and detail["version"] == case["version"] + 1
    assert any(h["action"] == "set_fact" and h["detail"] == {"personal_data_consent": True} for h in detail["history"])
    log = (await office.client.get("/api/audit", headers=auth(office, "auditor"))).json()
    assert any(e["action"] == "set_fact" and e["subject"] == f"case:{case['id']}"
               and e["actor"] == f"member:{office.ids['cw_a']}" for e in log)


@pytest.mark.parametrize("on_date,refusal", [("9999-12-31", "case.error.date_in_future"),
                                             ("2000-01-01", "case.error.date_before_last_step")])
async def test_a_step_cannot_be_dated_in_the_future_or_before_the_last_step(office, on_date, refusal):
    case_id = (await take(office, office.receipt_a)).json()["id"]
    answer = await office.client.post(f"/api/cases/{case_id}/actions", headers=auth(office, "cw_a"),
                                      json={"action": "assign_counsellor", "on_date": on_date})
    assert answer.status_code == 422 and answer.json()["detail"]["refusal"] == refusal
    ok = await office.client.post(f"/api/cases/{case_id}/actions", headers=auth(office, "cw_a"),
                                  json={"action": "assign_counsellor"})
    assert ok.status_code == 200, ok.text  # the case is not frozen
    async with office.services.db.read() as conn:
        dates = [d for (d,) in await conn.execute(select(CaseEvent.on_date).where(CaseEvent.case_id == case_id))]
    assert "9999-12-31" not in dates


async def test_not_yours_and_does_not_exist_answer_alike(office, fake_api):
    other = (await take(office, office.receipt_b, "cw_b")).json()["id"]
    for path in (f"/api/cases/{other}", f"/api/cases/{other + 1000}"):
        answer = await office.client.get(path, headers=auth(office, "cw_a"))
        assert answer.status_code == 404
        assert answer.json()["detail"]["refusal"] == "case.error.no_such_case"
    receipts = (f"/api/reports/{office.receipt_b}", "/api/reports/SP-ZZZZ-ZZ")
    bodies = [(await office.client.get(p, headers=auth(office, "cw_a"))).json() for p in receipts]
    assert bodies[0] == bodies[1]
    worker = TelegramUser(office, fake_api, user_id=8100)
    await worker.say(f"/case {other}")
    first = worker.last_text()
    await worker.say(f"/case {other + 1000}")
    assert worker.last_text() == first


@pytest.mark.parametrize("text", ["/case ¹", "/case 99999999999999999999", "/followup ²", "/case -1"])
async def test_odd_case_references_get_the_one_not_found_answer(office, fake_api, text):
    worker = TelegramUser(office, fake_api, user_id=8100)
    await worker.say(text)
    assert "찾을 수 없거나" in worker.last_text()


async def test_someone_without_the_role_learns_nothing_about_which_records_exist(office, fake_api):
    case_id = (await take(office, office.receipt_a)).json()["id"]
    officer = TelegramUser(office, fake_api, user_id=8106)  # an honorary officer: no casework
    answers = []
    for ref in (case_id, case_id + 1000):
        await officer.say(f"/case {ref}")
        answers.append(officer.last_text())
    assert answers[0] == answers[1] and "등록된 담당 직원만" in answers[0]
