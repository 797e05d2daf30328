"""The linkage API: the organisation directory, 서식2 consents, referrals and their replies,
the coordinator's view. Routes parse, call the core (core/referrals.py) and shape its answer."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from core import co_managers as core_co_managers
from core import referral_export
from core import referrals as core_referrals
from core import reopening as core_reopening
from core import transfers as core_transfers
from integrations import fhir, referral_notices
from integrations.api.referral_schemas import (
    CoManagerOut, CoManagerRequest, CoManagersOut, ConsentOut, ConsentRequest, CoordinationOut, LeadOut, LeadRequest,
    MovedOut, OpenByOrganisationOut, OrganisationOut, ReferralDetail, ReferralSummary, ReferRequest, ReopenOut,
    ReopenRequest, ReplyRequest, TransferOut, TransferRequest,
)
from integrations.api.routes import CaseId, Caller, _read, _tx
from state import cases
from state import referrals as referral_store
from state.referrals import ReferralRecord

router = APIRouter(prefix="/api", tags=["linkage"])
ReferralId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def summary(r: ReferralRecord, now: datetime) -> ReferralSummary:
    return ReferralSummary(id=r.id, case_id=r.case_id, from_dong_code=r.from_dong_code, to_org_code=r.to_org_code,
                           state=r.state.value, need=r.need, sent_at=r.sent_at, due_on=r.due_on,
                           overdue=r.overdue(now), age_days=r.age_days(now), reject_reason=r.reject_reason,
                           outcome=r.outcome, previous_id=r.previous_id, version=r.version)


@router.get("/organisations", response_model=list[OrganisationOut], summary="The partner organisation directory")
async def organisations(request: Request, actor: Caller):
    async with _read(request) as work:
        orgs = await core_referrals.directory(work, actor)
    return [OrganisationOut(code=o.code, name=o.name, type=o.type.value, sigungu_code=o.sigungu_code,
                            area=list(o.area), needs=list(o.needs), phone=o.phone, reply_days=o.reply_within_days,
                            has_chat=o.chat_id is not None) for o in orgs.all]


@router.post("/cases/{case_id}/consent", response_model=ConsentOut,
             summary="Record a 서식2 consent (four parts, named recipients); a case event and an audit entry")
async def record_consent(case_id: CaseId, body: ConsentRequest, request: Request, actor: Caller):
    parts = body.model_dump(include={"general_data", "unique_identifiers", "sensitive_data", "third_party"})
    async with _tx(request) as work:
        consent = await core_referrals.record_consent(work, actor, case_id, parts, body.recipients, body.given_on)
    return ConsentOut(parts={p.value: v for p, v in consent.parts.items()}, recipients=list(consent.recipients),
                      given_on=consent.given_on)


@router.post("/cases/{case_id}/referrals", response_model=ReferralSummary,
             responses={409: {"description": "consent does not name the organisation: record a new consent"}},
             summary="Refer the case to an organisation (서식6); the reply clock starts")
async def refer(case_id: CaseId, body: ReferRequest, request: Request, actor: Caller):
    services = request.app.state.services
    async with _tx(request) as work:
        referral = await core_referrals.refer(work, actor, case_id, body.to_org, need=body.need,
                                              request=body.request, flags=body.flags, is_change=body.is_change)
        queued = await referral_notices.referred(services, work, referral)
    await referral_notices.deliver(services, queued)
    return summary(referral, work.now)


@router.get("/referrals", response_model=list[ReferralSummary],
            summary="Referrals I sent or my organisation owes (no personal data), by state, overdue")
async def list_referrals(request: Request, actor: Caller, box: Literal["sent", "received"] = "sent",
                         state: Annotated[list[str] | None, Query()] = None, overdue: bool = False,
                         limit: Annotated[int, Query(ge=1, le=500)] = 200):
    async with _read(request) as work:
        lister = core_referrals.sent if box == "sent" else core_referrals.owed
        found = await lister(work, actor, states=state, overdue=overdue, limit=limit)
    return [summary(r, work.now) for r in found]


@router.get("/referrals/export.fhir.json", summary="Referrals in scope as a FHIR Bundle of ServiceRequest + Task "
            "(audited; the person is Patient/case-<id>, no name; codes in docs/fhir.md)")
async def export_fhir(request: Request, actor: Caller, dong: str | None = None) -> JSONResponse:
    async with _tx(request) as work:
        found = await referral_export.export_referrals(work, actor, dong=dong)
    return JSONResponse(fhir.bundle(found, work.now), media_type="application/fhir+json")


@router.get("/referrals/coordination", response_model=CoordinationOut,
            summary="The coordinator's view: open referrals by organisation and age, the overdue ones")
async def coordination(request: Request, actor: Caller, overdue: bool = False):
    async with _read(request) as work:
        rows, found = await core_referrals.coordination(work, actor, overdue_only=overdue)
    return CoordinationOut(by_organisation=[OpenByOrganisationOut(org_code=r.org_code, open=r.open, overdue=r.overdue,
                                                                  oldest_days=r.oldest_days) for r in rows],
                           referrals=[summary(r, work.now) for r in found])


@router.get("/referrals/{referral_id}", response_model=ReferralDetail,
            summary="Read a referral (audited); the receiver sees the details consent covers")
async def read_referral(referral_id: ReferralId, request: Request, actor: Caller):
    async with _tx(request) as work:
        view = await core_referrals.read_referral(work, actor, referral_id)
        r = view.referral
        return ReferralDetail(**summary(r, work.now).model_dump(), receipt_no=view.receipt_no, request=view.request,
                              household_type=r.household_type, flags=list(r.flags), is_change=r.is_change,
                              shared=list(r.shared), details=view.details)


@router.post("/referrals/{referral_id}/reply", response_model=MovedOut,
             responses={404: {"description": "no such referral (or not yours)"}, 409: {"description": "not now"}},
             summary="접수 / 수락 / 반려 / 시작 / 완료 / 재의뢰 (the receiver), 취소 (the sender)")
async def reply(referral_id: ReferralId, body: ReplyRequest, request: Request, actor: Caller):
    services = request.app.state.services
    async with _tx(request) as work:
        moved = await core_referrals.reply(work, actor, referral_id, body.action, reason=body.reason,
                                           outcome=body.outcome, onward_to=body.onward_to, request=body.request,
                                           expected_version=body.expected_version)
        queued = await referral_notices.moved(services, work, actor, moved, body.action)
    await referral_notices.deliver(services, queued)
    return MovedOut(referral=summary(moved.referral, work.now),
                    onward=summary(moved.onward, work.now) if moved.onward else None)


@router.post("/cases/{case_id}/lead", response_model=LeadOut,
             summary="The coordinator names the case's lead organisation (주사례관리기관; null: the 읍면동 team)")
async def reassign_lead(case_id: CaseId, body: LeadRequest, request: Request, actor: Caller):
    async with _tx(request) as work:
        lead = await core_referrals.reassign_lead(work, actor, case_id, body.org)
    return LeadOut(case_id=case_id, lead_org=lead)


@router.post("/cases/{case_id}/transfer", response_model=TransferOut,
             summary="The household moved: the case goes to the new 읍면동 (its team leader designates the manager)")
async def transfer_case(case_id: CaseId, body: TransferRequest, request: Request, actor: Caller):
    services = request.app.state.services
    async with _tx(request) as work:
        moved = await core_transfers.transfer_case(work, actor, case_id, body.to_dong)
        queued = await referral_notices.transferred(services, work, moved)
    await referral_notices.deliver(services, queued)
    return TransferOut(case_id=moved.case_id, from_dong=moved.from_dong, to_dong=moved.to_dong,
                       partners_told=sorted({r.to_org_code for r in moved.open_referrals}))


async def _co_managers_out(work, record_id: int, danger: list[str] | None = None) -> CoManagersOut:
    record = await cases.load(work.db, work.conn, record_id)
    assert record is not None
    listed = await core_co_managers.listed(work, record_id)
    return CoManagersOut(case_id=record_id, lead_org=await referral_store.lead_of(work.conn, record_id),
                         manager_member_id=record.manager_member_id, manager_designated=record.manager_designated,
                         co_managers=[CoManagerOut(org_code=c.org_code, org_name=c.org_name, role_kind=c.role_kind.value,
                                                   role_text=c.role_text, consented=c.consented) for c in listed],
                         danger=danger or [])


@router.get("/cases/{case_id}/co-managers", response_model=CoManagersOut,
            summary="Who manages the case: the lead, the 주사례관리자 and the co-managing organisations (audited)")
async def co_managers(case_id: CaseId, request: Request, actor: Caller):
    async with _tx(request) as work:
        await core_co_managers.co_managers(work, actor, case_id)
        return await _co_managers_out(work, case_id)


@router.post("/cases/{case_id}/co-managers", response_model=CoManagersOut,
             responses={409: {"description": "consent does not name the organisation, or it already manages"}},
             summary="An organisation joins the case's management with its stated role (공동사례관리기관)")
async def add_co_manager(case_id: CaseId, body: CoManagerRequest, request: Request, actor: Caller):
    async with _tx(request) as work:
        added = await core_co_managers.add_co_manager(work, actor, case_id, body.org, body.role_kind, body.role_text)
        return await _co_managers_out(work, case_id, list(added.danger))


@router.delete("/cases/{case_id}/co-managers/{org_code}", response_model=CoManagersOut,
               summary="The organisation leaves the case's management (kept in the history)")
async def remove_co_manager(case_id: CaseId, org_code: Annotated[str, Path(min_length=1, max_length=24)],
                            request: Request, actor: Caller):
    async with _tx(request) as work:
        await core_co_managers.remove_co_manager(work, actor, case_id, org_code)
        return await _co_managers_out(work, case_id)
@router.post("/cases/{case_id}/reopen", response_model=ReopenOut,
             summary="재개입: a closed or monitored household has a new problem; the case opens again (audited)")
async def reopen_case(case_id: CaseId, body: ReopenRequest, request: Request, actor: Caller):
    async with _tx(request) as work:
        record = await core_reopening.reopen_case(work, actor, case_id, body.problem, body.expected_version)
    return ReopenOut(case_id=record.id, step=record.state.step.value, cycle=record.state.cycle,
                     manager_member_id=record.manager_member_id, version=record.version)
