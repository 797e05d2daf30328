"""The web office's pages through HTTP, as a browser would post them: what each person sees
(Korean labels, 동 names, KST) and what is stored (the core's case events, audit entries)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from core import cases as core_cases
from core import conferences as core_conferences
from state import cases
from state.models import AuditEntry, FollowupSubmission
from tests.office_world import ORIGIN, csrf_of, make_world

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def world(service):
    return await make_world(service.services)


async def signed_in(service, world, who: str) -> str:
    service.client.cookies.clear()
    token = await world.link(who)
    response = await service.client.post("/office/sign-in", data={"token": token}, headers={"Origin": ORIGIN})
    assert response.status_code == 303
    return csrf_of((await service.client.get("/office/my-work")).text)


async def post(service, path: str, csrf: str, **data):
    return await service.client.post(path, data={"csrf": csrf, **data}, headers={"Origin": ORIGIN})


async def audit_subjects(service, actor_id: int) -> list[tuple[str, str]]:
    async with service.services.db.read() as conn:
        rows = await conn.execute(select(AuditEntry.action, AuditEntry.subject).where(
            AuditEntry.actor == f"member:{actor_id}").order_by(AuditEntry.id))
        return [tuple(r) for r in rows]


async def test_the_inbox_shows_new_reports_urgent_first_in_korean(service, world):
    calm = await world.file()
    urgent = await world.file(urgent=True)
    elsewhere = await world.file(dong="1111064000")
    await signed_in(service, world, "cw")
    page = (await service.client.get("/office/inbox")).text
    assert page.index(urgent.receipt_no) < page.index(calm.receipt_no)
    assert elsewhere.receipt_no not in page  # another 동's report does not exist here
    assert "혜화동" in page and "1111065000" not in page  # 동 by name
    assert "고립" in page and "isolation" not in page  # Korean labels for codes
    assert "분째 대기" in page and "긴급" in page
    # A repeat report names the first by its receipt number, as a link.
    if calm.possible_duplicate_of or urgent.possible_duplicate_of:
        assert "같은 가구일 수 있는 신고" in page
    found = (await service.client.get(f"/office/inbox?receipt={calm.receipt_no.lower()}")).text
    assert calm.receipt_no in found and urgent.receipt_no not in found
    missing = (await service.client.get(f"/office/inbox?receipt={elsewhere.receipt_no}")).text
    assert elsewhere.receipt_no in missing and "찾을 수 없" in missing and "담당하기" not in missing


async def test_a_caseworker_takes_a_report_and_records_a_follow_up_call(service, world):
    filed = await world.file(urgent=True)
    csrf = await signed_in(service, world, "cw")
    taken = await post(service, f"/office/reports/{filed.receipt_no}/take", csrf)
    assert taken.status_code == 303
    case_url = taken.headers["location"].split("?")[0]
    case_id = int(case_url.rsplit("/", 1)[1])
    page = (await service.client.get(taken.headers["location"])).text
    assert "담당했어요" in page and "며칠째 안 보여요" in page  # the full record, for the manager
    assert "담당자 지정" in page  # the core's first offered step, as a button
    assert "사례 열림 · 주사례관리자: 직원" in page  # the timeline's first entry
    form = (await service.client.get(f"{case_url}/followup")).text
    for question in ("통화가 되었나요", "안전", "다음 연락"):
        assert question in form, question
    unasked = await post(service, f"{case_url}/followup", csrf, reached="yes", answered_by="self",
                         domain_safety="same", note="정신 건강은 안 물어봄")
    assert unasked.status_code != 303  # 정신적 건강 has no default: the call is not saved unasked
    saved = await post(service, f"{case_url}/followup", csrf, reached="yes", answered_by="self",
                       domain_safety="same", domain_mental_health="same", services="도시락",
                       note="식사는 잘 하신대요",
                       next_contact_on="")
    assert saved.status_code == 303, saved.text
    page = (await service.client.get(saved.headers["location"])).text
    assert "후속 통화를 기록했어요" in page and "후속 통화: 통화됨" in page and "식사는 잘 하신대요" in page
    async with service.services.db.read() as conn:
        stored = (await conn.execute(select(FollowupSubmission.case_id, FollowupSubmission.reached))).all()
    assert stored == [(case_id, True)]
    done = [s for _, s in await audit_subjects(service, world.ids["cw"])]
    assert f"case:{case_id}" in done and f"report:{filed.receipt_no}" in done  # reads audited


async def test_steps_and_consents_go_through_the_core(service, world):
    filed = await world.file()
    csrf = await signed_in(service, world, "cw")
    case_url = (await post(service, f"/office/reports/{filed.receipt_no}/take", csrf)).headers["location"].split("?")[0]
    version = lambda html: re.search(r'name="version" value="(\d+)"', html).group(1)  # noqa: E731
    page = (await service.client.get(case_url)).text
    stepped = await post(service, f"{case_url}/actions", csrf, action="assign_counsellor", version=version(page))
    assert stepped.status_code == 303
    page = (await service.client.get(case_url)).text
    assert "단계: 초기상담" in page
    stale = await post(service, f"{case_url}/actions", csrf, action="request_case_management", version="1")
    assert stale.status_code == 409  # someone changed it meanwhile: refused, not overwritten
    made_up = await post(service, f"{case_url}/actions", csrf, action="delete_everything")
    assert made_up.status_code == 422 and "할 수 없어요" in made_up.text
    consent = await post(service, f"{case_url}/facts", csrf, fact="personal_data_consent", value="1",
                         version=version(page))
    assert consent.status_code == 303
    page = (await service.client.get(case_url)).text
    assert "개인정보활용 동의 받음: <strong>있음</strong>" in page
    # Another caseworker of the same 동 may read but not act on a case they do not manage.
    csrf2 = await signed_in(service, world, "cw2")
    page = (await service.client.get(case_url)).text
    assert "지금 할 수 있는 단계가 없어요" in page
    assert 'name="version"' not in page  # no form to post at all
    refused = await post(service, f"{case_url}/actions", csrf2, action="request_case_management")
    assert refused.status_code == 403 and "주사례관리자로 지정된" in refused.text
    # And one of another 동 does not even see it.
    await signed_in(service, world, "other")
    assert (await service.client.get(case_url)).status_code == 404


async def test_the_team_leader_assigns_and_approves_a_selection(service, world):
    filed = await world.file()
    csrf = await signed_in(service, world, "tl")
    inbox = (await service.client.get("/office/inbox")).text
    assert "배정할 직원" in inbox and f'value="{world.ids["cw"]}"' in inbox
    assert f'value="{world.ids["other"]}"' not in inbox  # only the people the core allows
    assigned = await post(service, f"/office/reports/{filed.receipt_no}/take", csrf, manager=str(world.ids["cw"]))
    assert assigned.status_code == 303
    case_id = int(assigned.headers["location"].split("?")[0].rsplit("/", 1)[1])
    await bring_to_selection(world, case_id)
    team = (await service.client.get("/office/team")).text
    assert "승인 기다리는 일" in team and f"/office/cases/{case_id}" in team
    assert "15가구 내외" in team
    page = (await service.client.get(f"/office/cases/{case_id}")).text
    assert "사례관리 가구로 선정" in page
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    approved = await post(service, f"/office/cases/{case_id}/actions", csrf, action="select_case_management",
                          version=version)
    assert approved.status_code == 303
    assert "단계: 서비스 제공계획 수립" in (await service.client.get(f"/office/cases/{case_id}")).text
    team = (await service.client.get("/office/team")).text
    assert "1 / 15" in team  # the caseworker now manages one case-managed household


async def bring_to_selection(world, case_id: int) -> None:
    """The caseworker's steps up to the selection meeting, through the core."""
    async with world.services.db.transaction() as conn:
        work, actor = world.work(conn), await world.actor(conn, "cw")
        record = await cases.load(world.services.db, conn, case_id)
        # The team leader designates the 주사례관리자 before the survey (L8576–8578).
        await core_cases.assign_case(work, await world.actor(conn, "tl"), record.report_id, actor.member_id)
        for action in ("assign_counsellor", "request_case_management", "accept_intake"):
            await core_cases.act_on_case(work, actor, case_id, action)
        await core_cases.set_case_fact(work, actor, case_id, "personal_data_consent", True)
        await core_cases.act_on_case(work, actor, case_id, "complete_assessment")
        # The selection meeting is a recorded conference that decided it (core/conferences.py).
        await core_conferences.record_conference(work, actor, case_id, decisions=["selection"])


async def test_the_auditor_reads_the_log_with_filters_and_nothing_else(service, world):
    filed = await world.file()
    csrf = await signed_in(service, world, "cw")
    await post(service, f"/office/reports/{filed.receipt_no}/take", csrf)
    await signed_in(service, world, "auditor")
    log = (await service.client.get("/office/audit")).text
    assert "감사 기록" in log and "읽기 전용" in log and "take" in log and "<form method=\"post\" action=\"/office/cases" not in log
    only = (await service.client.get(f"/office/audit?actor=member:{world.ids['cw']}&action=take")).text
    assert "조건에 맞는 기록 1건" in only
    inbox = (await service.client.get("/office/inbox")).text  # lists carry no personal data: the table lets them
    assert "담당하기" not in inbox and "신고 내용" not in inbox and 'href="/office/my-work"' not in inbox
    reads = [a for a, s in await audit_subjects(service, world.ids["auditor"]) if s == "audit_log"]
    assert reads  # reading the log is itself audited
