"""The inbox (받은 신고): new reports of the person's 읍면동, urgent first, how long each has
waited, taken or assigned in one press; a report read in full before taking it (audited)."""
from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from core import cases as core_cases
from core import reports as core_reports
from core.permissions import Action, may
from core.refusals import Refused, not_found
from integrations.office import guard
from integrations.office.rendering import page
from state.models import Case, Report

router = APIRouter()
ReceiptNo = Annotated[str, Path(min_length=4, max_length=16, pattern=r"^[A-Za-z0-9-]+$")]
RECEIPT = re.compile(r"[A-Za-z0-9-]{4,16}")
R, C = Report.__table__, Case.__table__


async def _receipts_and_cases(conn, report_ids: set[int]) -> tuple[dict[int, str], dict[int, int]]:
    """Receipt numbers (for the "possible duplicate of" links) and case ids, by report id."""
    if not report_ids:
        return {}, {}
    receipts = dict((await conn.execute(select(R.c.id, R.c.receipt_no).where(R.c.id.in_(report_ids)))).all())
    cases = dict((await conn.execute(select(C.c.report_id, C.c.id).where(C.c.report_id.in_(report_ids)))).all())
    return receipts, cases


@router.get("/office/inbox")
async def inbox(request: Request, receipt: str = "") -> Response:
    who = await guard.caller(request)
    receipt = receipt.strip().upper()
    searched, missing = bool(receipt), False
    async with guard.read(request) as work:
        if searched:
            try:
                if not RECEIPT.fullmatch(receipt):
                    raise not_found()
                rows = [await core_reports.report_by_receipt(work, who.actor, Action.LIST_REPORTS, receipt)]
            except Refused:
                rows, missing = [], True
        else:
            rows = await core_reports.list_reports(work, who.actor, status="received")
        ids = {r.id for r in rows} | {r.possible_duplicate_of for r in rows if r.possible_duplicate_of}
        receipts, case_ids = await _receipts_and_cases(work.conn, ids)
        team: dict[int, list] = {}
        if may(who.actor, Action.ASSIGN_CASE):
            team = await core_cases.assignable_for(work, who.actor, rows)
        now = work.now
    return page(request, "inbox.html", actor=who.actor, csrf=who.csrf, rows=rows, receipts=receipts,
                case_ids=case_ids, team=team, now=now, searched=receipt if searched else "", missing=missing,
                may_take=may(who.actor, Action.TAKE_REPORT), may_read=may(who.actor, Action.READ_REPORT))


@router.get("/office/reports/{receipt_no}")
async def report(receipt_no: ReceiptNo, request: Request) -> Response:
    """The full intake record: personal data, so read through the core, which audits it."""
    who = await guard.caller(request)
    async with guard.tx(request) as work:
        row = await core_reports.report_by_receipt(work, who.actor, Action.READ_REPORT, receipt_no)
        full = await core_reports.read_report(work, who.actor, row.id)
        _, case_ids = await _receipts_and_cases(work.conn, {row.id})
        team = await core_cases.assignable(work, who.actor, row.id) if may(who.actor, Action.ASSIGN_CASE) else []
    return page(request, "report.html", actor=who.actor, csrf=who.csrf, row=row, full=full,
                case_id=case_ids.get(row.id), team=team, may_take=may(who.actor, Action.TAKE_REPORT))


@router.post("/office/reports/{receipt_no}/take")
async def take(receipt_no: ReceiptNo, request: Request) -> Response:
    """담당하기 (the presser manages the case), or 배정하기 when a team leader names another."""
    async with guard.tx(request) as work:
        who, fields = await guard.posted(request, work)
        row = await core_reports.report_by_receipt(work, who.actor, Action.TAKE_REPORT, receipt_no)
        manager = guard.one(fields, "manager")
        if manager.isdigit() and int(manager) != who.actor.member_id and len(manager) < 10:
            taken = await core_cases.assign_case(work, who.actor, row.id, int(manager))
        else:
            taken = await core_cases.take_report(work, who.actor, row.id)
    done = "taken" if taken.manager.id == who.actor.member_id else "assigned"
    return RedirectResponse(f"/office/cases/{taken.case.id}?done={done}", status_code=303)
