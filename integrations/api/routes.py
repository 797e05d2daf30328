"""The back-office API (FastAPI, documented at /docs): reports, cases, follow-up calls, exports
and the audit log. Every route checks role and 읍면동 scope; records of another 읍면동 answer 404
(as if they did not exist); every read of a record and every export is audited."""
from __future__ import annotations

import csv
import io
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import Response

from integrations.api import records
from integrations.api.auth import ROLES_ACTING, ROLES_READING_RECORDS, Staff, current_staff, require
from integrations.api.schemas import (
    ActionRequest, CaseDetail, CaseSummary, FollowupRequest, ReportDetail, ReportSummary, TakeRequest, VoidRequest,
)
from state import audit, audit_anchors, cases, followups, reports
from state.timeutil import utcnow

router = APIRouter(prefix="/api", tags=["back office"])
Reader = Annotated[Staff, Depends(require(*ROLES_READING_RECORDS))]
Actor = Annotated[Staff, Depends(require(*ROLES_ACTING))]
AnyStaff = Annotated[Staff, Depends(current_staff)]
# Ids are 32-bit and receipts short: anything else is refused (422) before it reaches the store.
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1)]
FollowupId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ReceiptNo = Annotated[str, Path(min_length=4, max_length=16, pattern=r"^[A-Za-z0-9-]+$")]


def _services(request: Request):
    return request.app.state.services


def _refused(error: cases.CaseError, request: Request) -> HTTPException:
    catalogs = _services(request).catalogs
    return HTTPException(status_code=409, detail={"refusal": error.key,
                                                  "message": catalogs.render(catalogs.default, _msg(error.key))})


def _msg(key: str):
    from dialogs.replies import Msg
    return Msg(key)


def _filter_dongs(staff: Staff, dong: str | None) -> list[str]:
    if dong is None:
        return sorted(staff.dongs)
    return [dong] if staff.may_see(dong) else []


@router.get("/reports", response_model=list[ReportSummary], summary="List reports (no personal data)")
async def list_reports(request: Request, staff: AnyStaff, status: str | None = None, dong: str | None = None,
                       urgent: bool | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 100):
    async with _services(request).db.read() as conn:
        rows = await reports.list_in_dongs(conn, _filter_dongs(staff, dong), status=status, urgent=urgent,
                                           limit=limit)
        case_ids = await records.case_ids_of_reports(conn, [r.id for r in rows])
    return [records.report_summary(r, case_ids.get(r.id)) for r in rows]


async def _report_row(conn, staff: Staff, receipt_no: str):
    row = await reports.by_receipt(conn, receipt_no)
    if row is None or not staff.may_see(row.dong_code):
        raise HTTPException(status_code=404, detail="no such report")
    return row


@router.get("/reports/{receipt_no}", response_model=ReportDetail, summary="Read one report in full (audited)")
async def read_report(receipt_no: ReceiptNo, request: Request, staff: Reader):
    services = _services(request)
    async with services.db.transaction() as conn:
        row = await _report_row(conn, staff, receipt_no)
        case_ids = await records.case_ids_of_reports(conn, [row.id])
        await audit.record(conn, actor=staff.actor, action="read", subject=f"report:{receipt_no}", now=utcnow(),
                           detail={"via": "api"})
        return await records.report_detail(conn, services.cipher, row, case_ids.get(row.id))


@router.post("/reports/{receipt_no}/take", response_model=CaseSummary, summary="Take a report (opens its case)")
async def take_report(receipt_no: ReceiptNo, body: TakeRequest, request: Request, staff: Actor):
    services, now = _services(request), utcnow()
    async with services.db.transaction() as conn:
        row = await _report_row(conn, staff, receipt_no)
        try:
            record = await cases.take_report(services.db, conn, row.id, staff.member, now, body.manager_member_id)
        except cases.CaseError as error:
            raise _refused(error, request) from None
        await audit.record(conn, actor=staff.actor, action="take", subject=f"case:{record.id}", now=now,
                           detail={"manager": record.manager_member_id})
        return records.case_summary(record, now)


@router.get("/cases", response_model=list[CaseSummary], summary="List cases, with their next due date")
async def list_cases(request: Request, staff: AnyStaff, step: str | None = None, dong: str | None = None,
                     overdue: bool = False, mine: bool = False, limit: Annotated[int, Query(ge=1, le=500)] = 200):
    now = utcnow()
    async with _services(request).db.read() as conn:
        found = await cases.list_cases(conn, dong_codes=_filter_dongs(staff, dong), step=step,
                                       overdue_at=now if overdue else None, manager_id=staff.id if mine else None,
                                       limit=limit)
    summaries = [records.case_summary(c, now) for c in found]
    return [s for s in summaries if s.overdue] if overdue else summaries


async def _case(conn, request: Request, staff: Staff, case_id: CaseId, lock: bool = False) -> cases.CaseRecord:
    record = await cases.load(_services(request).db, conn, case_id, lock=lock)
    if record is None or not staff.may_see(record.dong_code):
        raise HTTPException(status_code=404, detail="no such case")
    return record


@router.get("/cases/{case_id}", response_model=CaseDetail, summary="Read a case: steps, due dates, history, calls")
async def read_case(case_id: CaseId, request: Request, staff: Reader):
    services, now = _services(request), utcnow()
    async with services.db.transaction() as conn:
        record = await _case(conn, request, staff, case_id)
        await audit.record(conn, actor=staff.actor, action="read", subject=f"case:{case_id}", now=now,
                           detail={"via": "api"})
        return await records.case_detail(conn, services.cipher, record, now, cases.ACTOR_ROLES.get(staff.role))


@router.post("/cases/{case_id}/actions", response_model=CaseDetail, responses={409: {"description": "refused"}},
             summary="Record a decision or step (guards: approvals, consent, dates)")
async def act_on_case(case_id: CaseId, body: ActionRequest, request: Request, staff: Actor):
    services, now = _services(request), utcnow()
    async with services.db.transaction() as conn:
        record = await _case(conn, request, staff, case_id, lock=True)
        try:
            updated = await cases.apply_action(services.db, conn, record, body.action, staff.member, now,
                                               on_date=body.on_date, facts=body.facts,
                                               expected_version=body.expected_version)
        except (cases.CaseError, ValueError, TypeError) as error:
            if isinstance(error, cases.CaseError):
                raise _refused(error, request) from None
            raise HTTPException(status_code=422, detail="invalid facts") from None
        await audit.record(conn, actor=staff.actor, action="update", subject=f"case:{case_id}", now=now,
                           detail={"action": body.action, "step": updated.state.step.value})
        return await records.case_detail(conn, services.cipher, updated, now, cases.ACTOR_ROLES.get(staff.role))


@router.post("/cases/{case_id}/followups", summary="Record a follow-up call (immutable)")
async def record_followup(case_id: CaseId, body: FollowupRequest, request: Request, staff: Actor) -> dict:
    services, now = _services(request), utcnow()
    async with services.db.transaction() as conn:
        record = await _case(conn, request, staff, case_id, lock=True)
        if staff.role == "caseworker" and record.manager_member_id != staff.id:
            raise _refused(cases.CaseError("case.error.not_your_case"), request)
        try:
            stored = await followups.submit(services.db, conn, services.cipher, record, dict(body.submission),
                                            staff.member, now)
        except cases.CaseError as error:
            raise _refused(error, request) from None
        await audit.record(conn, actor=staff.actor, action="create", subject=f"followup:{stored.id}", now=now)
        return {"id": stored.id, "outcome": stored.outcome}


@router.post("/followups/{followup_id}/void", summary="Void a mistaken follow-up record (with a reason)")
async def void_followup(followup_id: FollowupId, body: VoidRequest, request: Request, staff: Actor) -> dict:
    services, now = _services(request), utcnow()
    async with services.db.transaction() as conn:
        case_id = await followups.case_of(conn, followup_id)
        if case_id is None:
            raise HTTPException(status_code=404, detail="no such follow-up")
        await _case(conn, request, staff, case_id)
        if not await followups.void(conn, services.cipher, followup_id, body.reason, staff.member, now):
            raise HTTPException(status_code=409, detail="already voided")
        await audit.record(conn, actor=staff.actor, action="void", subject=f"followup:{followup_id}", now=now)
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
                  "closed_on", "next_due", "overdue")


@router.get("/export/cases.csv", summary="Cases as CSV for entry into 행복이음 (audited)",
            response_class=Response, responses={200: {"content": {"text/csv": {}}}})
async def export_cases(request: Request, staff: Reader, dong: str | None = None) -> Response:
    services, now = _services(request), utcnow()
    async with services.db.transaction() as conn:
        found = await cases.list_cases(conn, dong_codes=_filter_dongs(staff, dong), limit=10_000)
        await audit.record(conn, actor=staff.actor, action="export", subject="cases.csv", now=now,
                           detail={"rows": len(found), "dongs": sorted(_filter_dongs(staff, dong))[:50]})
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for record in found:
        m, summary = record.state.milestones, records.case_summary(record, now)
        writer.writerow([csv_cell(v) for v in (
            record.receipt_no, record.id, record.dong_code, record.state.step.value,
            m.household_type.value if m.household_type else "", record.urgent, record.state.hard_case,
            m.referred_on, m.initial_counselling_on, m.intake_on, m.assessment_registered_on,
            m.selected_on, m.service_plan_on, m.closed_on, summary.next_due or "", summary.overdue)])
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="salpim-cases.csv"',
                             "Cache-Control": "no-store"})


@router.get("/audit", summary="The audit log (auditors, 시군구 admins; the read itself is audited)")
async def read_audit(request: Request, staff: Annotated[Staff, Depends(require("auditor", "sigungu_admin"))],
                     limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[dict]:
    async with _services(request).db.transaction() as conn:
        entries = await audit.latest(conn, limit)
        await audit.record(conn, actor=staff.actor, action="read", subject="audit_log", now=utcnow(),
                           detail={"via": "api", "limit": limit})
        return entries


@router.get("/audit/verify", summary="Check the audit log's keyed chain against its anchors (audited)")
async def verify_audit(request: Request, staff: Annotated[Staff, Depends(require("auditor", "sigungu_admin"))]) -> dict:
    services = _services(request)
    async with services.db.transaction() as conn:
        check = await audit_anchors.verify_with_anchors(conn, services.settings.audit_anchor_file)
        await audit.record(conn, actor=staff.actor, action="verify_audit", subject="audit_log", now=utcnow(),
                           detail={"via": "api", "intact": check.intact})
    return {"intact": check.intact, "entries": check.entries, "first_broken_id": check.first_broken_id,
            "problem": check.problem}
