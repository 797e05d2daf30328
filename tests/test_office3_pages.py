"""The web office, part 3, through HTTP as a browser posts its forms, on SQLite and PostgreSQL:
the resource directory (search for every staff role, "확인 필요" on stale entries, a partner
lead's edits and one-press re-verification of their own entries, lost updates refused, the
admin edits any), support on the case page (the ledger, the duplicate warning naming only the
earlier giver and month, going on with a coded reason or stopping, 긴급지원's national check
first), conferences on the case page (minutes read audited, the short form, the 서식4 print
page), who manages the case, and every new form refusing a cross-site post."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import func, select

from core import cases as core_cases
from core import co_managers as core_co_managers
from core import referrals as core_referrals
from core import resources as core_resources
from state.models import AuditEntry, SupportEntry
from state.timeutil import utcnow
from tests.harness import make_settings, running_app
from tests.office_world import HYEHWA, ORIGIN, make_world, post, signed_in
from welfare.korea_time import kst_today

pytestmark = pytest.mark.asyncio
TALK = {"key": "jn-mental-talk", "org_code": "jn-mental", "name": "마음 이야기 모임", "kind": "programme",
           "needs": ["mental_health"], "area": [HYEHWA], "description": "혼자 지내는 분들의 이야기 모임",
        "capacity": "주 1회 10명"}


@pytest.fixture
async def service(db_url, fake_api, tmp_path):
    async with running_app(make_settings(db_url, fake_api, tmp_path)) as running:
        yield running


@pytest.fixture
async def world(service):
    return await make_world(service.services)




async def entry(world, values: dict, *, verified_days_ago: int = 0) -> int:
    async with world.services.db.transaction() as conn:
        work = world.work(conn)
        day = (kst_today(work.now) - timedelta(days=verified_days_ago)).isoformat()
        made = await core_resources.create(work, await world.actor(conn, "admin"),
                                           {**values, "last_verified": day})
    return made.id or 0


async def audit(service, action: str, subject: str | None = None) -> list:
    async with service.services.db.read() as conn:
        query = select(AuditEntry).where(AuditEntry.action == action)
        if subject:
            query = query.where(AuditEntry.subject == subject)
        return list((await conn.execute(query.order_by(AuditEntry.id))).all())


async def support_count(service) -> int:
    async with service.services.db.read() as conn:
        return (await conn.execute(select(func.count()).select_from(SupportEntry))).scalar()


# -- the resource directory --------------------------------------------------------------------------
async def test_every_staff_role_searches_and_stale_entries_are_marked(service, world):
    await entry(world, TALK)
    await entry(world, {**TALK, "key": "jn-mental-old", "name": "오래된 상담 모임"}, verified_days_ago=400)
    await entry(world, {**TALK, "key": "jn-food-rice", "org_code": "jn-food", "name": "쌀 나눔",
                        "kind": "in_kind", "needs": ["economy"]})
    for who in ("cw", "partner_b", "coordinator"):
        await signed_in(service, world, who)
        html = (await service.client.get("/office/resources?need=mental_health&dong=혜화동&q=모임")).text
        assert 'href="/office/resources"' in html  # in the menu
        assert "마음 이야기 모임" in html and "오래된 상담 모임" in html and "쌀 나눔" not in html, who
        assert html.count("확인 필요</span>") == 1  # the stale one only
        assert "종로구정신건강복지센터" in html and "혜화동" in html and "1111065000" not in html
        assert "✅ 확인했어요" not in html  # nobody here may change the centre's entries
    by_need = (await service.client.get("/office/resources?need=economy")).text
    assert "쌀 나눔" in by_need and "마음 이야기 모임" not in by_need
    assert (await service.client.get("/office/resources?need=nonsense&dong=" + "x" * 300)).status_code == 200


async def test_a_partner_lead_verifies_and_edits_only_their_own_entries(service, world):
    own = await entry(world, TALK, verified_days_ago=400)
    theirs = await entry(world, {**TALK, "key": "jn-food-rice", "org_code": "jn-food", "name": "쌀 나눔"})
    csrf = await signed_in(service, world, "partner_lead")
    html = (await service.client.get("/office/resources?q=모임")).text
    assert f'action="/office/resources/{own}/verify"' in html and "확인 필요" in html
    listing = (await service.client.get("/office/resources")).text
    assert f'action="/office/resources/{theirs}/verify"' not in listing  # no buttons on another's entry
    # ✅ 확인했어요: one press; the entry is no longer stale.
    pressed = await post(service, f"/office/resources/{own}/verify", csrf, version="1", back="?q=모임")
    assert pressed.status_code == 303 and unquote(pressed.headers["location"]) == "/office/resources?q=모임&done=verified"
    after = (await service.client.get(pressed.headers["location"])).text
    assert "오늘 날짜로 바뀌었어요" in after and "확인 필요</span>" not in after
    assert [e.subject for e in await audit(service, "resource_verify")] == [f"resource:{own}"]
    # The same press from a page shown before: a lost update, refused.
    late = await post(service, f"/office/resources/{own}/verify", csrf, version="1")
    assert late.status_code == 409
    # The edit form, saved with the version it showed.
    form = await service.client.get(f"/office/resources/{own}/edit")
    assert form.status_code == 200 and 'name="version" value="2"' in form.text and "마음 이야기 모임" in form.text
    saved = await post(service, f"/office/resources/{own}", csrf, version="2", name="마음 이야기 모임",
                       description="화요일 오후 모임", eligibility="", how_to_ask="전화", capacity="주 2회",
                       needs="mental_health", waiting_list="1")
    assert saved.status_code == 303, saved.text
    shown = (await service.client.get("/office/resources?q=화요일")).text
    assert "화요일 오후 모임" in shown and "주 2회" in shown and "지금은 대기자 명단에 올려요" in shown
    stale_form = await post(service, f"/office/resources/{own}", csrf, version="2", name="옛 이름", needs="mental_health")
    assert stale_form.status_code == 409
    invalid = await post(service, f"/office/resources/{own}", csrf, version="3", name="마음 이야기 모임")
    assert invalid.status_code == 422 and "도움 종류" in invalid.text  # no need chosen: which field, nothing saved
    # Another organisation's entry: refused as if missing, and the attempt is on the log.
    for path in (f"/office/resources/{theirs}/verify", f"/office/resources/{theirs}"):
        other = await post(service, path, csrf, version="1", name="가로채기", needs="economy")
        assert other.status_code == 404
    assert (await service.client.get(f"/office/resources/{theirs}/edit")).status_code == 404
    denied = await audit(service, "denied_edit", f"resource:{theirs}")
    assert len(denied) == 3 and all(d.actor == f"member:{world.ids['partner_lead']}" for d in denied)
    # A partner worker (not the lead) has no edit at all; the admin edits any entry.
    csrf_w = await signed_in(service, world, "partner")
    assert (await post(service, f"/office/resources/{own}/verify", csrf_w)).status_code == 403
    csrf_a = await signed_in(service, world, "admin")
    assert f'action="/office/resources/{theirs}/verify"' in (await service.client.get("/office/resources")).text
    assert (await post(service, f"/office/resources/{theirs}/verify", csrf_a, version="1")).status_code == 303


async def test_resource_forms_refuse_cross_site_posts(service, world):
    own = await entry(world, TALK)
    csrf = await signed_in(service, world, "partner_lead")
    for path in (f"/office/resources/{own}/verify", f"/office/resources/{own}"):
        forged = await service.client.post(path, data={"csrf": "0" * 64, "version": "1", "name": "x",
                                                       "needs": "economy"}, headers={"Origin": ORIGIN})
        assert forged.status_code == 403
        elsewhere = await service.client.post(path, data={"csrf": csrf, "version": "1"},
                                              headers={"Origin": "https://evil.example"})
        assert elsewhere.status_code == 403
    assert await audit(service, "resource_verify") == [] and await audit(service, "resource_edit") == []


# -- support on the case page ------------------------------------------------------------------------
async def test_support_on_the_case_page_warns_of_a_duplicate_naming_only_giver_and_month(service, world):
    case_id = await world.taken_case(consent_for=["jn-food"])
    csrf = await signed_in(service, world, "cw", f"/office/cases/{case_id}")
    page = (await service.client.get(f"/office/cases/{case_id}")).text
    assert "누가 돕고 있나요?" in page and "기록된 지원이 아직 없어요" in page
    assert f'action="/office/cases/{case_id}/support"' in page
    day = (kst_today(utcnow()) - timedelta(days=10)).isoformat()
    given = await post(service, f"/office/cases/{case_id}/support", csrf, kind="kimjang", given_on=day,
                       amount="20포기", back="case")
    assert given.status_code == 303 and given.headers["location"] == f"/office/cases/{case_id}?done=support_saved"
    page = (await service.client.get(given.headers["location"])).text
    assert "지원을 기록했어요" in page and "혜화동 찾아가는 보건복지팀" in page and "김장" in page and "20포기" in page

    # The food bank (named by the consent) gives kimjang again: warned, nothing recorded. It
    # reaches the case's support page from the referral it received.
    async with world.services.db.transaction() as conn:
        referral = await core_referrals.refer(world.work(conn), await world.actor(conn, "cw"), case_id, "jn-food",
                                              need="economy")
    csrf_b = await signed_in(service, world, "partner_b", f"/office/cases/{case_id}/support")
    assert f'href="/office/cases/{case_id}/support"' in (await service.client.get(f"/office/referrals/{referral.id}")).text
    ledger = (await service.client.get(f"/office/cases/{case_id}/support")).text
    assert "혜화동 찾아가는 보건복지팀" in ledger and "20포기" not in ledger  # givers and kinds, not the team's entries
    warned = await post(service, f"/office/cases/{case_id}/support", csrf_b, kind="kimjang", amount="10포기")
    assert warned.status_code == 409
    assert "이미 받았어요" in warned.text and "혜화동 찾아가는 보건복지팀" in warned.text and day[:7] in warned.text
    assert "20포기" not in warned.text and day not in warned.text  # never what, how much or which day
    assert "가족이 많아 부족해요" in warned.text and "기록하지 않기" in warned.text
    assert 'name="amount" value="10포기"' in warned.text  # what was typed is carried through
    assert await support_count(service) == 1 and len(await audit(service, "support_warned")) == 1
    # Stop: nothing recorded.
    stopped = await post(service, f"/office/cases/{case_id}/support", csrf_b, stop="1")
    assert stopped.status_code == 303 and "support_stopped" in stopped.headers["location"]
    assert await support_count(service) == 1
    # Go on without a reason: refused; with a coded reason: recorded, the override audited.
    no_reason = await post(service, f"/office/cases/{case_id}/support", csrf_b, kind="kimjang", confirm="1")
    assert no_reason.status_code == 422 and await support_count(service) == 1
    went_on = await post(service, f"/office/cases/{case_id}/support", csrf_b, kind="kimjang", amount="10포기",
                         confirm="1", reason="larger_household")
    assert went_on.status_code == 303 and "support_override" in went_on.headers["location"]
    assert await support_count(service) == 2
    override = await audit(service, "support_override")
    assert len(override) == 1 and override[0].detail["reason"] == "larger_household"
    mine = (await service.client.get(went_on.headers["location"])).text
    assert "종로푸드뱅크" in mine or "푸드뱅크" in mine
    assert "10포기" in mine and "20포기" not in mine  # the organisation's own entries only
    async with service.services.db.read() as conn:
        details = " ".join(str(r.detail) for r in (await conn.execute(select(AuditEntry.detail))).all())
    assert "포기" not in details  # amounts are never on the log


async def test_emergency_support_asks_the_national_check_first(service, world):
    case_id = await world.taken_case()
    csrf = await signed_in(service, world, "cw", f"/office/cases/{case_id}")
    first = await post(service, f"/office/cases/{case_id}/support", csrf, kind="emergency")
    assert first.status_code == 409 and "긴급지원 전에 확인해 주세요" in first.text
    assert 'name="national_checked"' in first.text and await support_count(service) == 0
    checked = await post(service, f"/office/cases/{case_id}/support", csrf, kind="emergency", national_checked="1")
    assert checked.status_code == 303 and await support_count(service) == 1


async def test_support_is_refused_outside_the_consent_and_the_forms_refuse_cross_site_posts(service, world):
    case_id = await world.taken_case(consent_for=["jn-mental"])
    csrf = await signed_in(service, world, "partner_b")  # the food bank: not named by the consent
    assert (await service.client.get(f"/office/cases/{case_id}/support")).status_code == 404
    refused = await post(service, f"/office/cases/{case_id}/support", csrf, kind="kimjang")
    assert refused.status_code == 404 and await support_count(service) == 0
    assert await audit(service, "denied_read", f"support:case:{case_id}")
    csrf = await signed_in(service, world, "other")  # a caseworker of another 동
    assert (await post(service, f"/office/cases/{case_id}/support", csrf, kind="kimjang")).status_code == 404
    csrf = await signed_in(service, world, "cw")
    forged = await service.client.post(f"/office/cases/{case_id}/support", data={"kind": "kimjang"},
                                       headers={"Origin": ORIGIN})
    assert forged.status_code == 403
    elsewhere = await service.client.post(f"/office/cases/{case_id}/support", data={"csrf": csrf, "kind": "kimjang"},
                                          headers={"Origin": "https://evil.example"})
    assert elsewhere.status_code == 403 and await support_count(service) == 0


# -- conferences on the case page --------------------------------------------------------------------
async def test_a_conference_recorded_from_the_case_page_its_minutes_and_the_form4_print(service, world):
    case_id = await world.taken_case(consent_for=["jn-mental"])
    csrf = await signed_in(service, world, "cw", f"/office/cases/{case_id}")
    page = (await service.client.get(f"/office/cases/{case_id}")).text
    assert "사례회의" in page and "기록된 사례회의가 아직 없어요" in page and 'value="jn-mental"' in page
    day = kst_today(utcnow()).isoformat()
    recorded = await post(service, f"/office/cases/{case_id}/conferences", csrf, held_on=day, kind="integrated",
                          orgs="jn-mental", title="정서 지원 논의", content="[주요 욕구와 문제] 고립감, 상담 연계 필요",
                          back="case")
    assert recorded.status_code == 303, recorded.text
    assert recorded.headers["location"] == f"/office/cases/{case_id}?done=conference_saved"
    page = (await service.client.get(recorded.headers["location"])).text
    assert "사례회의를 기록했어요" in page and "1차" in page and "고립감, 상담 연계 필요" in page
    assert "통합사례회의" in page
    assert await audit(service, "record_conference")
    reads = await audit(service, "read", f"conferences:case:{case_id}")
    assert reads and reads[-1].actor == f"member:{world.ids['cw']}"  # the minutes' read is audited
    # 서식4, one sheet per meeting, read through the core (audited again).
    before = len(reads)
    form4 = (await service.client.get(f"/office/cases/{case_id}/print/minutes")).text
    assert "[서식 4]" in form4 and "사례회의록" in form4 and "정서 지원 논의" in form4 and "고립감" in form4
    assert "종로구정신건강복지센터" in form4 and "/office/static/print.css" in form4 and "(인)" in form4
    assert "older_alone" not in form4 and "혼자 사는 어르신" in form4  # codes by their Korean labels
    assert len(await audit(service, "read", f"conferences:case:{case_id}")) == before + 1
    # The separate page (for a partner invited to it) lists the same minutes.
    listing = (await service.client.get(f"/office/cases/{case_id}/conferences")).text
    assert "정서 지원 논의" in listing
    # An invited partner reads them stripped; a caseworker of another 동 is refused and it is logged.
    await signed_in(service, world, "partner")
    invited = await service.client.get(f"/office/cases/{case_id}/conferences")
    assert invited.status_code == 200 and "정서 지원 논의" in invited.text
    assert 'action="/office/cases/' not in invited.text  # no record form for a partner
    csrf_o = await signed_in(service, world, "other")
    assert (await service.client.get(f"/office/cases/{case_id}/conferences")).status_code == 404
    assert (await service.client.get(f"/office/cases/{case_id}/print/minutes")).status_code == 404
    assert (await post(service, f"/office/cases/{case_id}/conferences", csrf_o, kind="internal")).status_code == 404
    assert await audit(service, "denied_read", f"conferences:case:{case_id}")


async def test_conference_form_refuses_cross_site_posts_and_unknown_kinds(service, world):
    case_id = await world.taken_case()
    csrf = await signed_in(service, world, "cw")
    forged = await service.client.post(f"/office/cases/{case_id}/conferences", data={"kind": "internal"},
                                       headers={"Origin": ORIGIN})
    assert forged.status_code == 403
    elsewhere = await service.client.post(f"/office/cases/{case_id}/conferences",
                                          data={"csrf": csrf, "kind": "internal"},
                                          headers={"Origin": "https://evil.example"})
    assert elsewhere.status_code == 403
    assert (await post(service, f"/office/cases/{case_id}/conferences", csrf, kind="solution")).status_code == 422
    assert await audit(service, "record_conference") == []
    # The note is free text: screened like every other; the minutes say what to do.
    said = await post(service, f"/office/cases/{case_id}/conferences", csrf, kind="internal",
                      content="어르신이 죽고 싶다고 자주 말씀하세요")
    assert said.status_code == 303
    listing = (await service.client.get(said.headers["location"])).text
    assert "위험 신호가 적혀 있어요" in listing and "109" in listing


# -- who manages the case ----------------------------------------------------------------------------
async def test_the_case_page_shows_the_lead_the_designation_and_co_managers(service, world):
    case_id = await world.taken_case(consent_for=["jn-mental", "jn-food"])
    await signed_in(service, world, "cw")
    page = (await service.client.get(f"/office/cases/{case_id}")).text
    assert "누가 맡고 있나요?" in page and "혜화동 찾아가는 보건복지팀" in page
    assert "아직 지정 전" in page  # the caseworker took it; the team leader has not designated yet
    async with world.services.db.transaction() as conn:
        work, tl = world.work(conn), await world.actor(conn, "tl")
        record = await core_cases.read_case(work, tl, case_id)
        await core_cases.assign_case(work, tl, record.report_id, world.ids["cw"])
        await core_referrals.reassign_lead(work, await world.actor(conn, "coordinator"), case_id, "jn-mental")
        await core_co_managers.add_co_manager(work, tl, case_id, "jn-food", "resources", "주 1회 반찬")
    page = (await service.client.get(f"/office/cases/{case_id}")).text
    assert f"지정됨 (직원 #{world.ids['cw']})" in page
    assert "주사례관리기관" in page and "종로구정신건강복지센터" in page and "주 1회 반찬" in page
    assert "동의 다시 필요" not in page


TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=120)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=TEXT, dong=TEXT, amount=TEXT, note=TEXT)
async def test_any_words_in_the_new_forms_are_answered_and_shown_as_text(service, world, q, dong, amount, note):
    """Whatever is typed into the search, the amount or the conference note: a page or a
    refusal (never a server error), and what is shown is escaped."""
    case_id = await world.taken_case()
    csrf = await signed_in(service, world, "cw", f"/office/cases/{case_id}")
    found = await service.client.get("/office/resources", params={"q": q, "dong": dong})
    assert found.status_code == 200 and str(escape(q[:200])) in found.text
    given = await post(service, f"/office/cases/{case_id}/support", csrf, kind="lunch_box", amount=amount)
    assert given.status_code in (303, 422), given.text
    if given.status_code == 303 and amount.strip():
        shown = (await service.client.get(given.headers["location"])).text
        assert str(escape(amount.strip())) in shown
    said = await post(service, f"/office/cases/{case_id}/conferences", csrf, kind="internal", content=note)
    assert said.status_code == 303, said.text
    shown = (await service.client.get(said.headers["location"])).text
    assert str(escape(note.strip())) in shown
