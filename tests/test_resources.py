"""The resource directory (자원 목록, issue 14) on both engines: a 복지관 partner lead adds a 반찬
programme through the API; a caseworker finds it by "반찬" and the 동 on Telegram, sees it
suggested in the referral dialog's organisation step and refers to it; a stale entry's reminder
fires on a fake clock and one tap of ✅ 확인했어요 clears it; a partner lead cannot touch another
organisation's entry (refused, audited); files load with line-numbered errors and export back."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from integrations import housekeeping, reminders
from salpim.cli import main
from state import members
from state.models import AuditEntry, ReferralRow
from state.timeutil import kst_today, utcnow
from tests.harness import TelegramUser, make_settings, running_app, texts
from tests.test_casework_transcripts import TeamChat, directory_with_team_chat, file_report

HYEHWA = "1111065000"
CASEWORKER, WELFARE_LEAD, FOOD_LEAD, WELFARE_WORKER = 7001, 7501, 7502, 7503
BANCHAN = {"key": "jn-welfare-hyehwa-banchan", "name": "어르신 밑반찬 배달", "kind": "in_kind",
           "needs": ["economy", "care"], "area": [HYEHWA],
           "description": "혼자 사는 어르신 댁에 밑반찬 3가지를 주 1회 가져다 드려요",
           "eligibility": "만 65세 이상 홀로 사는 어르신", "how_to_ask": "동 주민센터 의뢰", "capacity": "주 1회, 30가구"}


@pytest.fixture
async def office(db_url, tmp_path, fake_api):
    settings = make_settings(db_url, fake_api, tmp_path, directory=directory_with_team_chat(tmp_path))
    async with running_app(settings) as service:
        service.tokens = {}
        async with service.services.db.transaction() as conn:
            cipher, now = service.services.cipher, utcnow()
            for uid, role, dong, org in ((CASEWORKER, "caseworker", HYEHWA, None),
                                         (WELFARE_LEAD, "partner_lead", None, "jn-welfare"),
                                         (FOOD_LEAD, "partner_lead", None, "jn-food"),
                                         (WELFARE_WORKER, "partner_worker", None, "jn-welfare")):
                member = await members.create_member(conn, cipher, role=role, dong_code=dong, sigungu_code="11110",
                                                     now=now, telegram_user_id=uid, org_code=org)
                service.tokens[uid] = await members.create_api_token(conn, cipher, member, now)
        yield service


async def api(office, who: int, method: str, path: str, body: dict | None = None):
    return await office.client.request(method, path, json=body,
                                       headers={"Authorization": f"Bearer {office.tokens[who]}"})


async def _admin_token(office) -> str:
    async with office.services.db.transaction() as conn:
        cipher, now = office.services.cipher, utcnow()
        member = await members.create_member(conn, cipher, role="sigungu_admin", dong_code=None, sigungu_code="11110",
                                             now=now)
        return await members.create_api_token(conn, cipher, member, now)


async def audit_actions(office) -> list[tuple[str, str]]:
    async with office.services.db.read() as conn:
        return [(r.action, r.subject) for r in await conn.execute(
            select(AuditEntry.action, AuditEntry.subject).order_by(AuditEntry.id))]


async def test_a_lead_adds_banchan_and_a_caseworker_finds_it_and_refers_to_it(office, fake_api):
    added = await api(office, WELFARE_LEAD, "POST", "/api/resources", BANCHAN)
    assert added.status_code == 200, added.text
    entry = added.json()
    assert entry["org_code"] == "jn-welfare" and entry["stale"] is False  # the lead's own organisation, today
    assert ("resource_create", f"resource:{entry['id']}") in await audit_actions(office)

    # Found by a word of it ("반찬" is in "밑반찬") and the 동 by name, on Telegram.
    worker = TelegramUser(office, fake_api, user_id=CASEWORKER)
    found = texts(await worker.say("/resources 반찬 혜화동"))
    assert "어르신 밑반찬 배달" in found and "종로종합사회복지관" in found and "주 1회, 30가구" in found
    assert "확인 필요" not in found
    assert "어르신 밑반찬 배달" not in texts(await worker.say("/resources 반찬 청운효자동"))  # not served there
    hits = (await api(office, CASEWORKER, "GET", "/api/resources?need=economy&dong=혜화동&q=반찬이 필요해요")).json()
    assert [h["key"] for h in hits] == [BANCHAN["key"]]
    assert (await api(office, CASEWORKER, "GET", "/api/resources?need=mental_health&q=반찬")).json() == []

    # The referral dialog's organisation step: who can take this? The 복지관 first, with its 반찬.
    await file_report(office, fake_api, user_id=5557000)
    await TeamChat(office, fake_api).press("담당하기", by=CASEWORKER)
    consent = {"general_data": True, "unique_identifiers": False, "sensitive_data": False, "third_party": True,
               "recipients": ["jn-welfare"]}
    assert (await api(office, CASEWORKER, "POST", "/api/cases/1/consent", consent)).status_code == 200
    worker.new_messages()
    await worker.say("/case 1")
    await worker.press("🤝 의뢰하기")
    step = texts(await worker.press("경제"))
    assert "이 동에서 이 도움을 주는 곳" in step and "종로종합사회복지관 — 어르신 밑반찬 배달" in step
    assert worker.buttons()[0] == "✓ 종로종합사회복지관"
    await worker.press("✓ 종로종합사회복지관")
    await worker.say("밑반찬 배달을 부탁드려요")
    out = await worker.press("📤 의뢰 보내기")
    assert "의뢰 R1을 종로종합사회복지관에 보냈어요" in texts(out)
    async with office.services.db.read() as conn:
        assert (await conn.execute(select(ReferralRow.to_org_code, ReferralRow.need))).one() == ("jn-welfare", "economy")


async def test_a_lead_cannot_edit_another_organisations_entry(office, fake_api):
    entry = (await api(office, WELFARE_LEAD, "POST", "/api/resources", BANCHAN)).json()
    refused = await api(office, FOOD_LEAD, "PATCH", f"/api/resources/{entry['id']}", {"capacity": "0가구"})
    assert refused.status_code == 404 and refused.json()["detail"]["refusal"] == "resource.error.no_such_resource"
    assert ("denied_edit", f"resource:{entry['id']}") in await audit_actions(office)
    # Nor add one in its name; a partner worker may not edit at all (no audit: the role never may).
    other = await api(office, FOOD_LEAD, "POST", "/api/resources", {**BANCHAN, "key": "x-banchan", "org_code": "jn-welfare"})
    assert other.status_code == 404
    before = len(await audit_actions(office))
    worker = await api(office, WELFARE_WORKER, "PATCH", f"/api/resources/{entry['id']}", {"capacity": "0가구"})
    assert worker.status_code == 403 and len(await audit_actions(office)) == before
    # The 시군구 admin may correct any entry of the 시군구, and add one for an organisation.
    admin = await _admin_token(office)
    fixed = await office.client.patch(f"/api/resources/{entry['id']}", json={"how_to_ask": "복지관 사례관리팀 전화"},
                                      headers={"Authorization": f"Bearer {admin}"})
    assert fixed.status_code == 200 and fixed.json()["version"] == 2
    made = await office.client.post("/api/resources", json={**BANCHAN, "key": "jn-food-rice", "org_code": "jn-food"},
                                    headers={"Authorization": f"Bearer {admin}"})
    assert made.status_code == 200 and made.json()["org_code"] == "jn-food"
    nameless = await office.client.post("/api/resources", json={**BANCHAN, "key": "no-org"},
                                        headers={"Authorization": f"Bearer {admin}"})
    assert nameless.status_code == 422 and "org_code: missing" in nameless.json()["detail"]["message"]
    # The owner may, once more: an edit against an old version is refused.
    ok = await api(office, WELFARE_LEAD, "PATCH", f"/api/resources/{entry['id']}", {"capacity": "주 1회, 35가구",
                                                                                   "version": 2})
    assert ok.status_code == 200 and ok.json()["capacity"] == "주 1회, 35가구" and ok.json()["version"] == 3
    late = await api(office, WELFARE_LEAD, "PATCH", f"/api/resources/{entry['id']}", {"capacity": "x", "version": 1})
    assert late.status_code == 409
    bad = await api(office, WELFARE_LEAD, "PATCH", f"/api/resources/{entry['id']}", {"area": ["9999999999"]})
    assert bad.status_code == 422 and "area: unknown 읍면동 code 9999999999" in bad.json()["detail"]["message"]
    # Retired, it is found no more (and kept: an export still has it).
    assert (await api(office, WELFARE_LEAD, "PATCH", f"/api/resources/{entry['id']}", {"active": False})).status_code == 200
    assert BANCHAN["key"] not in [h["key"] for h in (await api(office, CASEWORKER, "GET", "/api/resources?q=반찬")).json()]


async def test_a_stale_entry_reminds_its_lead_and_one_tap_re_verifies_it(office, fake_api, monkeypatch):
    old = (kst_today(utcnow()) - timedelta(days=80)).isoformat()  # fresh today, stale in 11 days
    entry = (await api(office, WELFARE_LEAD, "POST", "/api/resources", {**BANCHAN, "last_verified": old})).json()
    assert entry["stale"] is False
    await housekeeping.run_once(office.services)  # today: nothing is due
    await office.delivered()
    assert not any("자원 정보를 확인해" in t for t in fake_api.texts(WELFARE_LEAD))

    later = utcnow() + timedelta(days=20)  # the fake clock: 100 days since it was verified
    monkeypatch.setattr(reminders, "utcnow", lambda: later)
    await housekeeping.run_once(office.services)
    await office.delivered()
    reminder = [t for t in fake_api.texts(WELFARE_LEAD) if "자원 정보를 확인해" in t]
    assert len(reminder) == 1 and "어르신 밑반찬 배달" in reminder[0] and old in reminder[0]
    assert not any("자원 정보를 확인해" in t for t in fake_api.texts(FOOD_LEAD))  # the owner only

    lead = TelegramUser(office, fake_api, user_id=WELFARE_LEAD)
    out = await lead.press("✅ 확인했어요")
    assert f"{kst_today(utcnow()).isoformat()}에 확인했어요" in texts(out)
    assert ("resource_verify", f"resource:{entry['id']}") in await audit_actions(office)
    shown = (await api(office, CASEWORKER, "GET", "/api/resources?q=반찬")).json()
    assert shown[0]["stale"] is False and shown[0]["last_verified"] == kst_today(utcnow()).isoformat()
    await housekeeping.run_once(office.services)  # the old timer is spent; the new one is 91 days away
    await office.delivered()
    assert len([t for t in fake_api.texts(WELFARE_LEAD) if "자원 정보를 확인해" in t]) == 1


async def test_stale_entries_are_marked_and_left_out_of_suggestions(office, fake_api):
    old = (kst_today(utcnow()) - timedelta(days=120)).isoformat()
    await api(office, WELFARE_LEAD, "POST", "/api/resources", {**BANCHAN, "last_verified": old})
    worker = TelegramUser(office, fake_api, user_id=CASEWORKER)
    found = texts(await worker.say("/resources 반찬 혜화동"))
    assert "어르신 밑반찬 배달" in found and f"⚠ 확인 필요 (마지막 확인 {old})" in found
    assert (await api(office, CASEWORKER, "GET", "/api/resources?q=반찬&fresh=true")).json() == []
    await file_report(office, fake_api, user_id=5557000)
    await TeamChat(office, fake_api).press("담당하기", by=CASEWORKER)
    worker.new_messages()
    await worker.say("/case 1")
    await worker.press("🤝 의뢰하기")
    assert "어르신 밑반찬 배달" not in texts(await worker.press("경제"))  # a stale entry suggests nobody
    usage = texts(await worker.say("/resources"))
    assert "/resources 반찬 청운효자동" in usage


async def test_a_reporter_cannot_search_the_directory(office, fake_api):
    resident = TelegramUser(office, fake_api, user_id=5559999)
    assert "등록된 담당 직원만" in texts(await resident.say("/resources 반찬 혜화동"))
    assert (await office.client.get("/api/resources")).status_code == 401


async def test_the_finder_shows_verified_local_resources_for_the_persons_need_and_dong(office, fake_api):
    await api(office, WELFARE_LEAD, "POST", "/api/resources", BANCHAN)  # care, 혜화동, verified today
    old = (kst_today(utcnow()) - timedelta(days=120)).isoformat()
    await api(office, WELFARE_LEAD, "POST", "/api/resources", {**BANCHAN, "key": "old-visits", "name": "말벗 방문",
                                                               "last_verified": old})
    await api(office, WELFARE_LEAD, "POST", "/api/resources", {**BANCHAN, "key": "elsewhere", "name": "숭인동 도시락",
                                                               "area": ["1111070000"]})
    resident = TelegramUser(office, fake_api, user_id=5558003)
    await resident.say("/finder")
    for label in ("노년", "1명", "고립", "선택 완료", *["잘 모르겠어요"] * 4):
        await resident.press(label)
    await resident.press("동 주민센터 전화번호")
    section = texts(await resident.press("혜화동"))
    assert "🏘 동네 자원: 혜화동" in section and "어르신 밑반찬 배달" in section and "동 주민센터 의뢰" in section
    assert "말벗 방문" not in section and "숭인동 도시락" not in section  # stale, or not served here
    assert "확인 필요" not in section
    assert "마쳤어요" in texts(await resident.press("마치기"))
