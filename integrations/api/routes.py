"""The back-office API (FastAPI, documented at /docs): reports, cases, follow-up calls, exports
and the audit log. Routes only parse, call the application core and shape its answer: the core
checks role and 읍면동 scope (a record of another 읍면동 answers 404, as if it did not exist) and
audits every read of a record and every export."""
from __future__ import annotations

import csv
import io
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from core import audit_trail
from core import cases as core_cases
from core import followups as core_followups
from welfare.case_lifecycle import outcome_code
from core import referrals as core_referrals
from core import reports as core_reports
from core import support as core_support
from core.actor import Actor
from core.permissions import Action
from core.refusals import Refused
from core.work import Work
from dialogs.replies import Msg
from integrations.api import records
from integrations.api.auth import current_actor
from integrations.api.schemas import (
    ActionRequest, CaseDetail, CaseSummary, FactRequest, FollowupRequest, ReportDetail, ReportSummary, TakeRequest, VoidRequest,
)
from integrations.request_work import reading_for, transaction_for
from state import cases
from state.timeutil import utcnow

router = APIRouter(prefix="/api", tags=["back office"])
Caller = Annotated[Actor, Depends(current_actor)]
# Ids are 32-bit and receipts short: anything else is refused (422) before it reaches the store.
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1)]
FollowupId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ReceiptNo = Annotated[str, Path(min_length=4, max_length=16, pattern=r"^[A-Za-z0-9-]+$")]


def _services(request: Request):
    return request.app.state.services


_tx, _read = transaction_for, reading_for  # the core's unit of work for this request


async def refusal_response(request: Request, refused: Refused) -> JSONResponse:
    """The core's refusal as an answer: its status by kind, its message key and its text.
    Registered for the whole app (integrations/app.py), so no route renders refusals itself."""
    services = _services(request)
    catalogs = services.catalogs
    await audit_trail.keep_denied(services.db, refused, utcnow())  # the route's transaction rolled back
    return JSONResponse(status_code=refused.http_status, content={"detail": {
        "refusal": refused.key, "message": catalogs.render(catalogs.default, Msg(refused.key))}})


@router.get("/reports", response_model=list[ReportSummary], summary="List reports (no personal data), urgent first")
async def list_reports(request: Request, actor: Caller, status: str | None = None, dong: str | None = None,
                       urgent: bool | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 100):
    async with _read(request) as work:
        rows = await core_reports.list_reports(work, actor, dong=dong, status=status, urgent=urgent, limit=limit)
        case_ids = await records.case_ids_of_reports(work.conn, [r.id for r in rows])
    return [records.report_summary(r, case_ids.get(r.id)) for r in rows]


@router.get("/reports/{receipt_no}", response_model=ReportDetail, summary="Read one report in full (audited)")
async def read_report(receipt_no: ReceiptNo, request: Request, actor: Caller):
    async with _tx(request) as work:
        row = await core_reports.report_by_receipt(work, actor, Action.READ_REPORT, receipt_no)
        full = await core_reports.read_report(work, actor, row.id)
        case_ids = await records.case_ids_of_reports(work.conn, [row.id])
        return await records.report_detail(work.conn, row, full, case_ids.get(row.id))


@router.post("/reports/{receipt_no}/take", response_model=CaseSummary,
             summary="Take a report (opens its case); a team leader may name another manager")
async def take_report(receipt_no: ReceiptNo, body: TakeRequest, request: Request, actor: Caller):
    async with _tx(request) as work:
        row = await core_reports.report_by_receipt(work, actor, Action.TAKE_REPORT, receipt_no)
        if body.manager_member_id is None or body.manager_member_id == actor.member_id:
            taken = await core_cases.take_report(work, actor, row.id)
        else:
            taken = await core_cases.assign_case(work, actor, row.id, body.manager_member_id)
        return records.case_summary(taken.case, work.now)


@router.get("/cases", response_model=list[CaseSummary], summary="List cases, urgent first, with their next due date")
async def list_cases(request: Request, actor: Caller, step: str | None = None, dong: str | None = None,
                     overdue: bool = False, mine: bool = False,
                     open_: Annotated[bool, Query(alias="open")] = False,
                     limit: Annotated[int, Query(ge=1, le=500)] = 200):
    """`open=true`: only cases still being worked (not ended), e.g. a caseworker's caseload."""
    async with _read(request) as work:
        found = await core_cases.list_cases(work, actor, dong=dong, step=step, overdue=overdue, mine=mine,
                                            open_only=open_, limit=limit)
    summaries = [records.case_summary(c, work.now) for c in found]
    return [s for s in summaries if s.overdue] if overdue else summaries


async def _detail(work: Work, actor: Actor, record: cases.CaseRecord) -> CaseDetail:
    offered = [a.value for a in core_cases.offered_actions(record, actor)]
    return await records.case_detail(work.conn, work.cipher, record, work.now, offered)


@router.get("/cases/{case_id}", response_model=CaseDetail, summary="Read a case: steps, due dates, history, calls")
async def read_case(case_id: CaseId, request: Request, actor: Caller):
    async with _tx(request) as work:
        return await _detail(work, actor, await core_cases.read_case(work, actor, case_id))


@router.post("/cases/{case_id}/actions", response_model=CaseDetail,
             responses={403: {"description": "not for this role"}, 404: {"description": "no such case"},
                        409: {"description": "refused now"}, 422: {"description": "invalid"}},
             summary="Record a decision or step (guards: approvals, consent, dates)")
async def act_on_case(case_id: CaseId, body: ActionRequest, request: Request, actor: Caller):
    async with _tx(request) as work:
        updated = await core_cases.act_on_case(work, actor, case_id, body.action, on_date=body.on_date,
                                               facts=body.facts, expected_version=body.expected_version)
        return await _detail(work, actor, updated)


@router.post("/cases/{case_id}/facts", response_model=CaseDetail,
             summary="Record a consent or fact the process's guards read (the case's manager or team leader)")
async def set_case_fact(case_id: CaseId, body: FactRequest, request: Request, actor: Caller):
    async with _tx(request) as work:
        updated = await core_cases.set_case_fact(work, actor, case_id, body.fact, body.value,
                                                 expected_version=body.expected_version)
        return await _detail(work, actor, updated)


@router.post("/cases/{case_id}/followups", summary="Record a follow-up call (immutable)")
async def record_followup(case_id: CaseId, body: FollowupRequest, request: Request, actor: Caller) -> dict:
    async with _tx(request) as work:
        stored = await core_followups.record(work, actor, case_id, dict(body.submission))
        return {"id": stored.id, "outcome": stored.outcome}


@router.post("/followups/{followup_id}/void", summary="Void a mistaken follow-up record (with a reason)")
async def void_followup(followup_id: FollowupId, body: VoidRequest, request: Request, actor: Caller) -> dict:
    async with _tx(request) as work:
        await core_followups.void(work, actor, followup_id, body.reason)
        return {"id": followup_id, "voided": True}


# A cell a spreadsheet would run as a formula (=, +, -, @, or a leading tab or CR) gets a
# leading apostrophe: the export is opened in Excel before it goes into 행복이음.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


EXPORT_COLUMNS = ("receipt_no", "case_id", "dong_code", "step", "household_type", "urgent", "hard_case", "referred_on",
                  "initial_counselling_on", "intake_on", "assessment_registered_on", "selected_on", "service_plan_on",
                  "closed_on", "next_due", "overdue",
                  # Linkage: how many referrals, how many still open, to whom, and the latest one's state.
                  "referrals", "referrals_open", "referral_orgs", "last_referral_state",
                  # The support ledger (지원 이력): how many entries, of which kinds, by whom, the latest date.
                  "support_entries", "support_kinds", "support_givers", "last_support_on",
                  # How the case ended, as distinct codes: an exit after 초기상담 ("initial_exit.…",
                  # L11272–11284) never reads as the closure type 자체 종결 ("closure.internal_closure", L9937).
                  "outcome", "cycle")


def support_cells(found: list) -> tuple[int, str, str, str]:
    return (len(found), ";".join(dict.fromkeys(e.kind for e in found)), ";".join(dict.fromkeys(e.giver for e in found)),
            max((e.given_on.isoformat() for e in found), default=""))


def referral_cells(found: list) -> tuple[int, int, str, str]:
    return (len(found), sum(r.state.is_open for r in found), ";".join(dict.fromkeys(r.to_org_code for r in found)),
            found[-1].state.value if found else "")


@router.get("/export/cases.csv", summary="Cases as CSV for entry into 행복이음 (audited)",
            response_class=Response, responses={200: {"content": {"text/csv": {}}}})
async def export_cases(request: Request, actor: Caller, dong: str | None = None) -> Response:
    async with _tx(request) as work:
        found = await core_cases.export_cases(work, actor, dong=dong)
        linked = await core_referrals.of_cases(work, [c.id for c in found])
        supported = await core_support.of_cases(work, [c.id for c in found])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for record in found:
        m, summary = record.state.milestones, records.case_summary(record, work.now)
        writer.writerow([csv_cell(v) for v in (
            record.receipt_no, record.id, record.dong_code, record.state.step.value,
            m.household_type.value if m.household_type else "", record.urgent, record.state.hard_case,
            m.referred_on, m.initial_counselling_on, m.intake_on, m.assessment_registered_on,
            m.selected_on, m.service_plan_on, m.closed_on, summary.next_due or "", summary.overdue,
            *referral_cells(linked.get(record.id, [])), *support_cells(supported.get(record.id, [])),
            outcome_code(record.state), record.state.cycle)])
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="salpim-cases.csv"',
                             "Cache-Control": "no-store"})


@router.get("/audit", summary="The audit log (auditors, 시군구 admins); reading it is audited too")
async def read_audit(request: Request, actor: Caller, limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[dict]:
    async with _tx(request) as work:
        return await audit_trail.read_log(work, actor, limit)


@router.get("/audit/verify", summary="Check the audit log's keyed chain against its anchors (audited)")
async def verify_audit(request: Request, actor: Caller) -> dict:
    async with _tx(request) as work:
        check = await audit_trail.verify_log(work, actor, _services(request).settings.audit_anchor_file)
    return {"intact": check.intact, "entries": check.entries, "first_broken_id": check.first_broken_id,
            "problem": check.problem}
