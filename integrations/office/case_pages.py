"""My work (내 업무) and the case page: clocks, the timeline, the steps the core offers now as
buttons, consents, and the follow-up call form with the Telegram checklist's questions."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from core import cases as core_cases
from core import co_managers as core_co_managers
from core import followups as core_followups
from core import referrals as core_referrals
from core import reports as core_reports
from core.permissions import Action, check
from core.refusals import Refused, invalid
from integrations.office import guard, linkage_pages, print_pages, timeline
from integrations.office.rendering import page
from state.cases import CaseRecord
from welfare.case_lifecycle import CaseAction
from welfare.followup_checklist import EXPLICIT_DOMAINS, Answerer, DomainStatus, load_template
from welfare.korea_time import kst_today

router = APIRouter()
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1)]
WEEK = timedelta(days=6)


def _open_deadlines(record: CaseRecord) -> list:
    return sorted((d for d in record.deadlines() if d.is_open), key=lambda d: d.due)


def due_group(record: CaseRecord, today: date) -> str:
    """overdue, today, week (within 7 days), later, or none (no open clock)."""
    due = next((d.due for d in _open_deadlines(record)), None)
    if due is None:
        return "none"
    if due < today:
        return "overdue"
    if due == today:
        return "today"
    return "week" if due <= today + WEEK else "later"


@router.get("/office/my-work")
async def my_work(request: Request) -> Response:
    who = await guard.caller(request)
    async with guard.read(request) as work:
        found = await core_cases.list_cases(work, who.actor, mine=True, open_only=True)
        today = kst_today(work.now)
    groups: dict[str, list[CaseRecord]] = {"overdue": [], "today": [], "week": [], "later": [], "none": []}
    for record in found:
        groups[due_group(record, today)].append(record)
    return page(request, "my_work.html", actor=who.actor, csrf=who.csrf, groups=groups, today=today,
                deadlines=_open_deadlines)


def _may(actor, action: Action, record: CaseRecord) -> bool:
    try:
        check(actor, action, dong_code=record.dong_code, manager_id=record.manager_member_id)
    except Refused:
        return False
    return True


async def _who_manages(work, actor, record: CaseRecord) -> dict[str, Any]:
    """The lead (주사례관리기관; none: the 읍면동 team), whether the 주사례관리자 is designated
    yet (L8576–8578), and the co-managing organisations with their roles — as the Telegram card says."""
    lead = await core_referrals.lead_of(work, actor, record.id)
    org = await core_referrals.org_of(work, lead) if lead else None
    return {"lead": org.name if org else lead, "designated": record.manager_designated,
            "proposed": record.manager_member_id is not None and not record.manager_designated,
            "co_managers": await core_co_managers.listed(work, record.id)}


@router.get("/office/cases/{case_id}")
async def case(case_id: CaseId, request: Request, done: str = "") -> Response:
    who = await guard.caller(request)
    async with guard.tx(request) as work:
        record = await core_cases.read_case(work, who.actor, case_id)  # audited
        full = await core_reports.read_report(work, who.actor, record.report_id)  # audited
        entries = await timeline.entries(work, record)
        offered = core_cases.offered_actions(record, who.actor)
        referrals = await core_referrals.of_case(work, who.actor, record)
        orgs = await core_referrals.directory(work, who.actor)
        managing = await _who_manages(work, who.actor, record)
        # The ledger and the minutes for those the core lets read them (each read audited there).
        linkage = {**await linkage_pages.support_section(work, who.actor, case_id,
                                                         read=_may(who.actor, Action.READ_SUPPORT, record)),
                   **await linkage_pages.conference_section(work, who.actor, case_id,
                                                            read=_may(who.actor, Action.READ_CONFERENCES, record))}
        today, now = kst_today(work.now), work.now
    reasons = {a.value: list(kind) for a, (_, kind) in core_cases.REASONS.items()}
    return page(request, "case.html", actor=who.actor, csrf=who.csrf, case=record, full=full, entries=entries,
                offered=offered, reasons=reasons, deadlines=record.deadlines(), today=today,
                facts=core_cases.RECORDED_FACTS,
                fact_values={f: bool(getattr(record.facts, f, False)) for f in core_cases.RECORDED_FACTS}, may_set=_may(who.actor, Action.SET_CASE_FACT, record),
                may_followup=_may(who.actor, Action.RECORD_FOLLOWUP, record),
                may_refer=_may(who.actor, Action.REFER, record), referrals=referrals, orgs=orgs, now=now,
                print_forms=print_pages.FORMS, managing=managing, **linkage,
                done=done if done.replace("_", "").isalpha() and len(done) < 40 else "")


def _version(fields: dict[str, list[str]]) -> int | None:
    value = guard.one(fields, "version")
    return int(value) if value.isdigit() and len(value) < 10 else None


@router.post("/office/cases/{case_id}/actions")
async def act(case_id: CaseId, request: Request) -> Response:
    async with guard.tx(request) as work:
        who, fields = await guard.posted(request, work)
        action = guard.one(fields, "action")
        if action not in {a.value for a in CaseAction}:  # only the buttons the page can show
            raise invalid("case.error.unknown_button")
        facts: dict[str, Any] = {}
        if action in core_cases.REASONS:
            fact, kind = core_cases.REASONS[action]  # type: ignore[index]
            reason = guard.one(fields, "reason")
            if reason not in {k.value for k in kind}:
                raise invalid("office.case.reason_needed")
            facts[fact] = reason
        await core_cases.act_on_case(work, who.actor, case_id, action, facts=facts, expected_version=_version(fields))
    return RedirectResponse(f"/office/cases/{case_id}?done=step_saved", status_code=303)


@router.post("/office/cases/{case_id}/facts")
async def set_fact(case_id: CaseId, request: Request) -> Response:
    async with guard.tx(request) as work:
        who, fields = await guard.posted(request, work)
        await core_cases.set_case_fact(work, who.actor, case_id, guard.one(fields, "fact"),
                                       guard.one(fields, "value") == "1", expected_version=_version(fields))
    return RedirectResponse(f"/office/cases/{case_id}?done=fact_saved", status_code=303)


@router.get("/office/cases/{case_id}/followup")
async def followup_form(case_id: CaseId, request: Request) -> Response:
    who = await guard.caller(request)
    async with guard.read(request) as work:
        start = await core_followups.start(work, who.actor, case_id)
    return page(request, "followup.html", actor=who.actor, csrf=who.csrf, start=start, checklist=load_template(),
                answerers=list(Answerer), statuses=list(DomainStatus), explicit_domains=EXPLICIT_DOMAINS)


def submission_of(fields: dict[str, list[str]]) -> dict[str, Any]:
    """The form as the checklist's submission (the same shape the Telegram flow builds,
    dialogs/followup_flow.py `finish`); the template validates it (welfare/followup_checklist.py)."""
    template = load_template()
    reached = guard.one(fields, "reached") == "yes"
    submission: dict[str, Any] = {"version": template.version, "reached": reached,
                                  "next_contact_on": guard.one(fields, "next_contact_on") or None}
    if reached:
        services = [s.strip() for s in guard.one(fields, "services").replace("\n", ",").split(",") if s.strip()]
        submission.update(
            answered_by=guard.one(fields, "answered_by"),
            # 안전 and 정신적 건강 have no default: left unanswered, the checklist refuses the form.
            domains={d.id: guard.one(fields, f"domain_{d.id}", "" if d.id in EXPLICIT_DOMAINS else "not_applicable")
                     for d in template.domains},
            new_risk_signs=[s for s in fields.get("signs", []) if s],
            services_received=services[:template.services_max_items], note=guard.one(fields, "note"))
    return submission


@router.post("/office/cases/{case_id}/followup")
async def record_followup(case_id: CaseId, request: Request) -> Response:
    async with guard.tx(request) as work:
        who, fields = await guard.posted(request, work)
        await core_followups.record(work, who.actor, case_id, submission_of(fields))
    return RedirectResponse(f"/office/cases/{case_id}?done=followup_saved", status_code=303)
