"""Print-ready forms for the signatures the process still needs on paper (A4, `@media print`):
서식6 서비스 의뢰서 (L12309–12411) from a referral and 서식7 사례관리 종결심사서 (L12412–12542)
from a case. Each page reads through the core, which checks and audits the read; the page only
lays the form out. 서식4 사례회의록 (L11991–12068) from a case's minutes, one sheet per meeting: the
minutes are kept per case (L8940), so a sheet never carries another case's content."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from core import cases as core_cases
from core import conferences as core_conferences
from core import referrals as core_referrals
from core import reports as core_reports
from integrations.office import guard
from integrations.office.rendering import page
from welfare.case_lifecycle import ClosureReason
from welfare.korea_time import kst_today

router = APIRouter()
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
# 서식6 ⑥ 가구유형: the base types this service records (welfare household codes) are shown with
# the report's own label; the form's extra flags (장애인, 다문화, 북한이탈주민) are ticked from the referral.
FLAGS = ("disabled", "multicultural", "north_korean_defector")
# The forms a case page offers to print: (key, path under /office/cases/N/print/, ready).
FORMS = (("closure", True), ("minutes", True))
# 서식7 header: the stage dates the system keeps (L12426–12440), from the case's milestones.
STAGES = (("requested", "intake_requested_on"), ("assessment", "assessment_registered_on"),
          ("meeting", "closing_meeting_on"), ("selection", "selected_on"), ("plan", "service_plan_on"),
          ("review", "closure_review_registered_on"), ("closed", "closed_on"))


@router.get("/office/referrals/{referral_id}/print")
async def referral_form(referral_id: Id, request: Request) -> Response:
    """서식6: what was sent, to whom, and the person's details only as far as consent went."""
    who = await guard.caller(request)
    async with guard.tx(request) as work:
        view = await core_referrals.read_referral(work, who.actor, referral_id)  # audited
        today = kst_today(work.now)
    dong = request.app.state.services.runner.directory.dong(view.referral.from_dong_code)
    return page(request, "print_referral.html", actor=who.actor, csrf=who.csrf, view=view, r=view.referral,
                today=today, from_dong=dong, flags=FLAGS)


@router.get("/office/cases/{case_id}/print/closure")
async def closure_form(case_id: Id, request: Request) -> Response:
    """서식7: the case's stage dates and recorded closure type; the goals, opinions and the
    result (재조사 / 종결) are written and signed by hand at the closing meeting."""
    who = await guard.caller(request)
    async with guard.tx(request) as work:
        record = await core_cases.read_case(work, who.actor, case_id)  # audited
        full = await core_reports.read_report(work, who.actor, record.report_id)  # audited
        today = kst_today(work.now)
    milestones = record.state.milestones
    stages = [(key, getattr(milestones, attr)) for key, attr in STAGES]
    return page(request, "print_closure.html", actor=who.actor, csrf=who.csrf, case=record, full=full,
                today=today, stages=stages, closure_types=list(ClosureReason),
                chosen=record.state.closure_reason or record.facts.closure_reason)


@router.get("/office/cases/{case_id}/print/minutes")
async def minutes_form(case_id: Id, request: Request, minutes: int = 0) -> Response:
    """서식4: each of the case's minutes on its own sheet (or the one asked for), read through the
    core (audited; an invited partner gets them stripped of identifiers, L8942–8944). The
    person's name and the signatures are written by hand."""
    who = await guard.caller(request)
    async with guard.tx(request) as work:
        views = await core_conferences.read_minutes(work, who.actor, case_id)  # audited
        codes = {a.get("org", "") for v in views for a in (*v.attendees, *v.experts)}
        orgs = {c: o.name for c in codes if c and (o := await core_referrals.org_of(work, c))}
        today = kst_today(work.now)
    if minutes:
        views = [v for v in views if v.minutes.id == minutes]
    return page(request, "print_minutes.html", actor=who.actor, csrf=who.csrf, case_id=case_id, views=views,
                orgs=orgs, today=today)
