"""The support ledger API: record support given to a case's household, and read who serves it
(the ledger). Routes parse, call the core (core/support.py) and shape its answer. A duplicate
inside the kind's window, or emergency support without the national-programme check, answers
409 with what to confirm; the client repeats the request with `confirm` and a reason (and
`national_checked`)."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from core import support as core_support
from dialogs.replies import Msg
from integrations.api.routes import CaseId, Caller, _tx
from integrations.api.support_schemas import (
    ConfirmOut, EarlierOut, SupportEntryOut, SupportLedgerOut, SupportRequest, ServingOut,
)
from state.support import SupportRecord

router = APIRouter(prefix="/api", tags=["support ledger"])


def _giver_out(giver: core_support.Giver) -> dict:
    return {"giver_code": giver.code, "giver_name": giver.name, "giver_is_dong_team": giver.dong}


def entry_out(e: SupportRecord, cipher) -> SupportEntryOut:
    return SupportEntryOut(id=e.id, case_id=e.case_id, referral_id=e.referral_id, kind=e.kind, given_on=e.given_on,
                           amount=e.amount(cipher), giver_code=e.giver, recorded_at=e.recorded_at,
                           national_checked=e.national_checked, override_reason=e.override_reason,
                           overrides=list(e.overrides))


@router.post("/cases/{case_id}/support", response_model=SupportEntryOut,
             responses={409: {"model": ConfirmOut, "description": "confirm first: a duplicate inside the kind's "
                                                                   "window, or the national-programme check"}},
             summary="Record support given to the case's household (지원 기록); warned first of a duplicate")
async def record_support(case_id: CaseId, body: SupportRequest, request: Request, actor: Caller):
    catalogs = request.app.state.services.catalogs
    async with _tx(request) as work:
        outcome = await core_support.record_support(
            work, actor, case_id, body.kind, given_on=body.given_on, amount=body.amount, referral_id=body.referral_id,
            national_checked=body.national_checked, confirm=body.confirm, reason=body.reason)
    if isinstance(outcome, core_support.Recorded):
        return entry_out(outcome.entry, work.cipher)
    render = lambda key: catalogs.render(catalogs.default, Msg(key))  # noqa: E731
    answer = ConfirmOut(
        refusal="support.confirm", message=render("support.confirm"), kind=outcome.kind.id,
        earlier=[EarlierOut(**_giver_out(e.giver), month=e.month) for e in outcome.earlier],
        national_check=[{"id": i, "text": render(f"support.national.{i}")} for i in outcome.national_check],
        reasons=list(outcome.reasons))
    return JSONResponse(status_code=409, content={"detail": answer.model_dump()})


@router.get("/cases/{case_id}/support", response_model=SupportLedgerOut,
            summary="Who serves the case's household (by organisation and kind) and the entries this caller "
                    "may see; only for the case's team and organisations its consent names; audited")
async def read_support(case_id: CaseId, request: Request, actor: Caller):
    async with _tx(request) as work:
        view = await core_support.who_serves(work, actor, case_id)
        entries = [entry_out(e, work.cipher) for e in view.entries]
    return SupportLedgerOut(serving=[ServingOut(**_giver_out(s.giver), kinds=s.kinds) for s in view.serving],
                            entries=entries)
