"""The web office, part 2, through HTTP as a browser posts its forms, on SQLite and PostgreSQL:
a caseworker refers a case from the case page (the consent check before sending, the refusal
that leads to recording a consent), the partner answers it in one press from the list, the
referral page shows only what consent names, the coordinator's overview shows the late reply,
the print forms, the audit log's filters, and cross-site posts refused."""
from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import select

from core import cases as core_cases
from core import referrals as core_referrals
from state import referrals as referral_store
from state.models import AuditEntry, DialogDropOff
from state.timeutil import utcnow
from tests.harness import TelegramUser, make_settings, running_app
from tests.office_world import ORIGIN, make_world, post, signed_in

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def service(db_url, fake_api, tmp_path):
    async with running_app(make_settings(db_url, fake_api, tmp_path)) as running:
        yield running


@pytest.fixture
async def world(service):
    return await make_world(service.services)




async def audit_rows(service, member_id: int) -> list[tuple[str, str]]:
    async with service.services.db.read() as conn:
        rows = await conn.execute(select(AuditEntry.action, AuditEntry.subject).where(
            AuditEntry.actor == f"member:{member_id}").order_by(AuditEntry.id))
        return [tuple(r) for r in rows]


async def test_a_caseworker_refers_and_the_partner_answers_in_one_press(service, world):
    case_id = await world.taken_case(consent_for=["jn-mental"])
    csrf = await signed_in(service, world, "cw", f"/office/cases/{case_id}")
    case_page = (await service.client.get(f"/office/cases/{case_id}")).text
    assert f'href="/office/cases/{case_id}/refer"' in case_page and "종결심사서 (서식7) 인쇄" in case_page
    form = (await service.client.get(f"/office/cases/{case_id}/refer?need=mental_health")).text
    assert "종로구정신건강복지센터" in form and "동의서에 있는 기관이에요" in form  # the consent check, before sending
    assert "함께 보내는 정보" in form
    sent = await post(service, f"/office/cases/{case_id}/refer", csrf, need="mental_health", org="jn-mental",
                      request="우울감이 심해 보여요, 상담 연계 부탁드려요")
    assert sent.status_code == 303, sent.text
    referral_id = int(sent.headers["location"].split("/")[-1].split("?")[0])
    assert "의뢰를 보냈어요" in (await service.client.get(sent.headers["location"])).text

    # The partner signs in (OPEN_OFFICE now includes partner staff) and lands on the referrals.
    csrf = await signed_in(service, world, "partner")
    listing = await service.client.get("/office/referrals")
    assert listing.status_code == 200
    assert f"의뢰 #{referral_id}" in listing.text and "새 의뢰" in listing.text and "혜화동" in listing.text
    assert "받은 신고" not in listing.text  # no inbox for a partner
    assert "며칠째 안 보여요" not in listing.text  # lists carry no personal data
    for action in ("receive", "accept", "start"):
        answered = await post(service, f"/office/referrals/{referral_id}/reply", csrf, action=action, back="list",
                              version=str({"receive": 1, "accept": 2, "start": 3}[action]))
        assert answered.status_code == 303, (action, answered.text)
    done = await post(service, f"/office/referrals/{referral_id}/reply", csrf, action="complete",
                      outcome="service_provided", version="4")
    assert done.status_code == 303
    page = (await service.client.get(done.headers["location"])).text
    assert "완료" in page and "서비스 제공 완료" in page or "service_provided" not in page
    assert "며칠째 안 보여요" in page  # the consented description reaches the receiver
    assert "우울감이 심해 보여요" in page
    async with service.services.db.read() as conn:
        stored = await referral_store.load(conn, referral_id)
    assert stored.state.value == "completed" and stored.outcome == "service_provided"
    actions = [a for a, s in await audit_rows(service, world.ids["partner"]) if s == f"referral:{referral_id}"]
    assert actions[:1] == ["receive"] and {"accept", "start", "complete", "read"} <= set(actions)


async def test_a_rejection_needs_its_coded_reason(service, world):
    case_id = await world.taken_case(consent_for=["jn-mental"])
    async with world.services.db.transaction() as conn:
        referral = await core_referrals.refer(world.work(conn), await world.actor(conn, "cw"), case_id, "jn-mental",
                                              need="mental_health")
    csrf = await signed_in(service, world, "partner_lead")
    listing = (await service.client.get("/office/referrals")).text
    assert "반려 사유" in listing and "서비스 지역 밖이에요" in listing  # the reasons, in Korean, beside the button
    missing = await post(service, f"/office/referrals/{referral.id}/reply", csrf, action="reject")
    assert missing.status_code == 409
    rejected = await post(service, f"/office/referrals/{referral.id}/reply", csrf, action="reject",
                          reason="no_capacity", back="list")
    assert rejected.status_code == 303 and rejected.headers["location"].startswith("/office/referrals?done=saved")
    # Another organisation's worker cannot answer it, nor learn it exists.
    csrf_b = await signed_in(service, world, "partner_b")
    other = await post(service, f"/office/referrals/{referral.id}/reply", csrf_b, action="receive")
    assert other.status_code == 404
    assert (await service.client.get(f"/office/referrals/{referral.id}")).status_code == 404


async def test_without_consent_nothing_is_sent_and_the_page_leads_to_recording_one(service, world):
    case_id = await world.taken_case(consent_for=[])
    csrf = await signed_in(service, world, "cw", f"/office/cases/{case_id}")
    form = (await service.client.get(f"/office/cases/{case_id}/refer?need=mental_health")).text
    assert "동의서에 없는 기관이에요" in form
    refused = await post(service, f"/office/cases/{case_id}/refer", csrf, need="mental_health", org="jn-mental",
                         request="상담 부탁드려요")
    assert refused.status_code == 409
    assert "의뢰를 보내지 않았어요" in refused.text and "상담 부탁드려요" in refused.text  # the note is kept
    assert "새 동의서 기록: 종로구정신건강복지센터 추가" in refused.text
    async with service.services.db.read() as conn:
        assert await referral_store.of_case(conn, case_id) == []
    consent = await post(service, f"/office/cases/{case_id}/consent-naming", csrf, org="jn-mental",
                         need="mental_health")
    assert consent.status_code == 303
    again = (await service.client.get(consent.headers["location"])).text
    assert "새 동의서를 기록했어요" in again and "동의서에 있는 기관이에요" in again
    sent = await post(service, f"/office/cases/{case_id}/refer", csrf, need="mental_health", org="jn-mental")
    assert sent.status_code == 303


async def test_the_coordinator_sees_the_late_reply_and_every_dong_in_context(service, world):
    earlier = utcnow() - timedelta(days=30)
    case_id = await world.taken_case(consent_for=["jn-mental"], now=earlier)
    async with world.services.db.transaction() as conn:
        late = await core_referrals.refer(world.work(conn, earlier), await world.actor(conn, "cw"), case_id,
                                          "jn-mental", need="mental_health")
    await signed_in(service, world, "coordinator")
    page = await service.client.get("/office/overview")
    assert page.status_code == 200, page.text
    html = page.text
    assert "시군구 현황" in html and "혜화동" in html and "이화동" in html  # every 동, by name
    assert "종로구정신건강복지센터" in html and f"의뢰 #{late.id}" in html and "회신 기한을 넘긴 의뢰" in html
    assert "<svg" in html and "이번 주 신고" in html and "기한 넘긴 사례" in html  # the charts, drawn on the server
    assert "며칠째 안 보여요" not in html and "1111065000" not in html  # no personal data, no codes
    # The coordinator reads the late referral without the person's details (consent names the centre).
    detail = (await service.client.get(f"/office/referrals/{late.id}")).text
    assert "며칠째 안 보여요" not in detail and "동의서가 보여 주도록 허락한 개인정보가 없어요" in detail
    # A caseworker has no overview.
    await signed_in(service, world, "cw")
    assert (await service.client.get("/office/overview")).status_code == 403


async def test_where_people_give_up_is_counted_per_question_without_the_person(service, world, fake_api):
    user = TelegramUser(service, fake_api, user_id=5550777)
    await user.say("/start report")
    await user.say("/cancel")
    async with service.services.db.read() as conn:
        rows = (await conn.execute(select(DialogDropOff.flow, DialogDropOff.question, DialogDropOff.how,
                                          DialogDropOff.count))).all()
    assert [tuple(r) for r in rows] == [("report", "who", "cancelled", 1)]
    await signed_in(service, world, "admin")
    html = (await service.client.get("/office/overview")).text
    assert "신고·서비스 찾기에서 멈춘 곳" in html and "누구의 일인가요" in html
    assert "5550777" not in html


async def test_print_forms_are_a4_pages_read_through_the_core(service, world):
    case_id = await world.taken_case(consent_for=["jn-mental"])
    async with world.services.db.transaction() as conn:
        referral = await core_referrals.refer(world.work(conn), await world.actor(conn, "cw"), case_id, "jn-mental",
                                              need="mental_health", request="상담 연계", flags=["disabled"])
    await signed_in(service, world, "cw")
    form6 = (await service.client.get(f"/office/referrals/{referral.id}/print")).text
    assert "서비스 의뢰서" in form6 and "/office/static/print.css" in form6 and "☑ 장애인" in form6
    assert "종로구정신건강복지센터" in form6 and "(인)" in form6
    form7 = (await service.client.get(f"/office/cases/{case_id}/print/closure")).text
    assert "사례관리 종결심사서" in form7 and "재조사" in form7 and "장기목표 달성" in form7
    minutes = (await service.client.get(f"/office/cases/{case_id}/print/minutes")).text
    assert "사례회의 기록이 생기면" in minutes
    css = (await service.client.get("/office/static/print.css")).text
    assert "@media print" in css and "A4" in css
    reads = await audit_rows(service, world.ids["cw"])
    assert ("read", f"referral:{referral.id}") in reads and ("read", f"case:{case_id}") in reads
    # Another 동's caseworker prints nothing.
    await signed_in(service, world, "other")
    assert (await service.client.get(f"/office/cases/{case_id}/print/closure")).status_code == 404
    assert (await service.client.get(f"/office/referrals/{referral.id}/print")).status_code == 404


async def test_the_audit_log_filters_by_who_what_subject_and_dates(service, world):
    case_id = await world.taken_case()
    await signed_in(service, world, "auditor")
    cw = world.ids["cw"]
    found = (await service.client.get(f"/office/audit?actor=member:{cw}&subject=case:{case_id}")).text
    assert f"case:{case_id}" in found and "report:" not in found.split("<tbody>")[1]
    today = (utcnow() + timedelta(hours=9)).date()
    inside = (await service.client.get(f"/office/audit?actor=member:{cw}&since={today}&until={today}")).text
    assert f"case:{case_id}" in inside
    before = today - timedelta(days=3)
    outside = (await service.client.get(f"/office/audit?actor=member:{cw}&until={before}")).text
    assert f"case:{case_id}" not in outside
    assert "시작일" in outside and "종료일" in outside
    # Read-only: the page has no form but the filters' GET and the sign-out.
    assert outside.count('method="post"') == 1


async def test_cross_site_posts_on_the_new_forms_are_refused(service, world):
    case_id = await world.taken_case(consent_for=["jn-mental"])
    async with world.services.db.transaction() as conn:
        referral = await core_referrals.refer(world.work(conn), await world.actor(conn, "cw"), case_id, "jn-mental",
                                              need="mental_health")
    csrf = await signed_in(service, world, "partner")
    evil = {"Origin": "https://evil.example"}
    for path, data in ((f"/office/referrals/{referral.id}/reply", {"action": "receive"}),):
        assert (await service.client.post(path, data={"csrf": csrf, **data}, headers=evil)).status_code == 403
        assert (await service.client.post(path, data={"csrf": "0" * 64, **data},
                                          headers={"Origin": ORIGIN})).status_code == 403
    csrf = await signed_in(service, world, "cw")
    for path, data in ((f"/office/cases/{case_id}/refer", {"need": "mental_health", "org": "jn-mental"}),
                       (f"/office/cases/{case_id}/consent-naming", {"org": "jn-food"})):
        assert (await service.client.post(path, data={"csrf": csrf, **data}, headers=evil)).status_code == 403
        assert (await service.client.post(path, data=data, headers={"Origin": ORIGIN})).status_code == 403
    async with service.services.db.read() as conn:
        assert (await referral_store.load(conn, referral.id)).state.value == "requested"
        assert len(await referral_store.of_case(conn, case_id)) == 1


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(note=st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=300))
async def test_any_referral_note_is_kept_escaped_and_screened(service, world, note):
    """Whatever a worker writes in the note: the referral is sent, the page shows it as text
    (never markup), and a note speaking of a risk brings the numbers to call."""
    case_id = await world.taken_case(consent_for=["jn-mental"])
    csrf = await signed_in(service, world, "cw", f"/office/cases/{case_id}")
    for text in (note, note + " 죽고 싶다고 하셨어요"):
        sent = await post(service, f"/office/cases/{case_id}/refer", csrf, need="mental_health", org="jn-mental",
                          request=text)
        assert sent.status_code == 303, sent.text
        page = (await service.client.get(sent.headers["location"])).text
        assert str(escape(text)) in page  # as text, escaped: never markup
        if text.endswith("죽고 싶다고 하셨어요"):
            assert "의뢰 메모에 위험 신호가 있어요" in page and 'href="tel:109"' in page


async def test_a_dialog_left_to_expire_is_counted_at_its_question(service, world, fake_api):
    from sqlalchemy import update

    from bot.turns import park_expired
    from state.models import ConversationRow

    user = TelegramUser(service, fake_api, user_id=5550778)
    await user.say("/start report")
    await user.press("이웃·지인 일이에요")
    async with service.services.db.transaction() as conn:
        await conn.execute(update(ConversationRow).where(ConversationRow.chat_id == "5550778")
                           .values(expires_at=utcnow() - timedelta(minutes=1)))
    await park_expired(service.services.runner)
    async with service.services.db.read() as conn:
        rows = (await conn.execute(select(DialogDropOff.flow, DialogDropOff.question, DialogDropOff.how,
                                          DialogDropOff.count))).all()
    assert len(rows) == 1 and rows[0].flow == "report" and rows[0].how == "expired" and rows[0].question != "who"
