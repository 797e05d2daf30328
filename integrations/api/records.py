"""Reading reports and cases for the API (data access stays in state/; this shapes it)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from integrations.api.schemas import CaseDetail, CaseSummary, DeadlineOut, ReportDetail, ReportSummary
from state import cases, followups, reports
from state.models import Case
from welfare.korea_time import kst_today

C = Case.__table__


def report_summary(row, case_id: int | None = None) -> ReportSummary:
    return ReportSummary(receipt_no=row.receipt_no, dong_code=row.dong_code, status=row.status, urgent=bool(row.urgent),
                         same_day_visit=bool(row.same_day_visit), listen_same_day=bool(row.listen_same_day),
                         situations=list(row.situations or []), household=row.household, age_band=row.age_band,
                         reporter_type=row.reporter_type, created_at=row.created_at,
                         possible_duplicate_of=row.possible_duplicate_of, case_id=case_id)


async def report_detail(conn, row, full: reports.FullRecord, case_id: int | None) -> ReportDetail:
    """The full record the core read (and audited) for this caller, with its status history."""
    return ReportDetail(
        **report_summary(row, case_id).model_dump(), gender=full.gender, household_size=full.household_size,
        description=full.description, address=full.address, location=full.location,
        contact_mode=full.contact_mode, phone=full.phone, consent_version=full.consent_version,
        consent_at=full.consent_at, has_photo=full.has_photo, reporter_locale=full.reporter_locale,
        has_voice=full.voice is not None, voice_seconds=full.voice.duration if full.voice else None,
        status_history=await reports.status_history(conn, row.id))


def case_summary(record: cases.CaseRecord, now: datetime) -> CaseSummary:
    today = kst_today(now)
    open_due = [d.due for d in record.deadlines() if d.is_open]
    next_due = min(open_due, default=None)
    return CaseSummary(id=record.id, receipt_no=record.receipt_no, dong_code=record.dong_code,
                       step=record.state.step.value, manager_member_id=record.manager_member_id,
                       urgent=record.urgent, same_day_visit=record.same_day_visit,
                       listen_same_day=record.listen_same_day, hard_case=record.state.hard_case, version=record.version,
                       manager_designated=record.manager_designated,
                       next_due=next_due, overdue=bool(next_due and next_due < today))


async def case_detail(conn, cipher, record: cases.CaseRecord, now: datetime, offered: list[str]) -> CaseDetail:
    """`offered`: the actions the core lets this caller take now (core.cases.offered_actions)."""
    from state.case_codec import to_json
    today = kst_today(now)
    deadlines = [DeadlineOut(clock=d.clock.value, due=d.due, kind=d.kind.value, open=d.is_open,
                             overdue=d.is_open and d.due < today) for d in record.deadlines()]
    return CaseDetail(**case_summary(record, now).model_dump(), state=to_json(record.state),
                      facts=to_json(record.facts), deadlines=deadlines, allowed_actions=offered,
                      history=await cases.history(conn, record.id),
                      followups=await followups.of_case(conn, cipher, record.id))


async def case_ids_of_reports(conn, report_ids: list[int]) -> dict[int, int]:
    if not report_ids:
        return {}
    rows = await conn.execute(select(C.c.report_id, C.c.id).where(C.c.report_id.in_(report_ids)))
    return {report_id: case_id for report_id, case_id in rows}
