"""Follow-up calls (후속 통화): recorded by the case's manager (or the team leader) as immutable
submissions; a mistaken one is voided with a reason by the same people. Both audited."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from core import audit_trail
from core.actor import Actor
from core.permissions import Action, check, require_role
from core.refusals import Refused, RefusalKind, conflict, invalid, not_found
from core.work import Work
from state import cases, reports
from state import organisations as organisation_store
from state import referrals as referral_store
from state import followups as followup_store
from welfare.korea_time import kst_today
from welfare.case_clocks import suggested_next_contact
from welfare.report_taxonomy import load_report_taxonomy
from welfare.working_days import DEFAULT_CALENDAR

NO_SUCH_FOLLOWUP = "followup.error.no_such_followup"


@dataclass(frozen=True, slots=True)
class FollowupStart:
    """What the follow-up checklist needs to open for a case."""

    case: cases.CaseRecord
    need_terms: list[str]  # the need domains of the report's signs (which domains to ask first)
    suggested_next: date
    planned_services: list[PlannedService] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PlannedService:
    """A service the plan links the household to: an accepted or running referral (서식6), named
    by its organisation and need domain — what the checklist asks 이행상태 about (서식5 ⑪–⑮)."""

    id: str  # "referral:<id>", what the submission's service check names
    org: str
    need: str  # need domain id


async def _case(work: Work, case_id: int, *, lock: bool = False) -> cases.CaseRecord:
    record = await cases.load(work.db, work.conn, case_id, lock=lock)
    if record is None:
        raise not_found()
    return record


async def start(work: Work, actor: Actor, case_id: int) -> FollowupStart:
    require_role(actor, Action.RECORD_FOLLOWUP)
    record = await _case(work, case_id)
    check(actor, Action.RECORD_FOLLOWUP, dong_code=record.dong_code, manager_id=record.manager_member_id)
    situations, _ = await reports.signs_and_size(work.conn, record.report_id)
    taxonomy = load_report_taxonomy()
    terms = [t for s in situations if taxonomy.has("situations", s) for t in taxonomy.situation(s).need_domains_ko]
    last = await followup_store.last_contact(work.conn, record.id)
    today = kst_today(work.now)
    try:
        suggested = suggested_next_contact(record.state.milestones, last or today, high_risk=record.urgent)
    except ValueError:  # before selection the case has no type yet: a week, on a working day
        suggested = DEFAULT_CALENDAR.next_working_day(today + timedelta(days=7))
    return FollowupStart(record, terms, suggested, await planned_services(work, record.id))


PLANNED_STATES = frozenset({"accepted", "in-progress"})


async def planned_services(work: Work, case_id: int) -> list[PlannedService]:
    orgs = await organisation_store.read_organisations(work.conn)
    found = []
    for referral in await referral_store.of_case(work.conn, case_id):
        if referral.state.value in PLANNED_STATES:
            org = orgs.get(referral.to_org_code)
            found.append(PlannedService(f"referral:{referral.id}", org.name if org else referral.to_org_code,
                                        referral.need))
    return found


async def record(work: Work, actor: Actor, case_id: int, submission: dict[str, Any]) -> followup_store.StoredFollowup:
    require_role(actor, Action.RECORD_FOLLOWUP)
    case = await _case(work, case_id, lock=True)
    check(actor, Action.RECORD_FOLLOWUP, dong_code=case.dong_code, manager_id=case.manager_member_id)
    assert actor.member is not None
    try:
        stored = await followup_store.submit(work.db, work.conn, work.cipher, case, submission, actor.member,
                                             work.now)
    except cases.CaseError as error:
        raise invalid(error.key) from None
    await audit_trail.write(work, actor, "create", f"followup:{stored.id}", {"case": case.id})
    return stored


async def void(work: Work, actor: Actor, followup_id: int, reason: str) -> int:
    """Void a mistaken record; returns its case id."""
    require_role(actor, Action.VOID_FOLLOWUP)
    case_id = await followup_store.case_of(work.conn, followup_id)
    if case_id is None:
        raise not_found(NO_SUCH_FOLLOWUP)
    case = await _case(work, case_id, lock=True)
    try:
        check(actor, Action.VOID_FOLLOWUP, dong_code=case.dong_code, manager_id=case.manager_member_id)
    except Refused as refused:  # a follow-up of another 읍면동 does not exist for this actor
        raise (not_found(NO_SUCH_FOLLOWUP) if refused.kind is RefusalKind.NOT_FOUND else refused) from None
    reason = reason.strip()
    if not 2 <= len(reason) <= 500:
        raise invalid("followup.error.void_reason")
    assert actor.member is not None
    if not await followup_store.void(work.conn, work.cipher, followup_id, reason, actor.member, work.now):
        raise conflict("followup.error.already_voided")
    await audit_trail.write(work, actor, "void", f"followup:{followup_id}", {"case": case.id})
    return case.id
