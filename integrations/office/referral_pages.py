"""Referrals in the web office (의뢰·회신): what my organisation received and what my 읍면동 sent,
by state with overdue replies first, answered in one press (접수, 수락, 반려 with its coded reason,
시작, 완료 with its outcome, 재의뢰); the referral page with only what consent let go; and, from the
case page, making a referral (need, organisation, note) with the consent check shown before
sending. Every answer and every read is a call of core/referrals.py, which checks and audits."""
from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from core import referral_desk
from core import referrals as core_referrals
from core.permissions import RECORD_READERS, Action, may
from core.refusals import Refused, invalid, not_allowed
from integrations import referral_notices
from integrations.office import guard
from integrations.office.rendering import page
from state.referrals import OPEN, ReferralRecord
from welfare.danger import screen
from welfare.referral_lifecycle import Outcome, ReferralAction, ReferralState, RejectReason

router = APIRouter()
ReferralId = Annotated[int, Path(ge=1, le=2**31 - 1)]
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1)]
DONE_STATES = [s.value for s in ReferralState if not s.is_open]
# The sections of a list, in the order a desk works through them: late replies first.
SECTIONS = ("overdue", ReferralState.REQUESTED.value, ReferralState.RECEIVED.value, ReferralState.ACCEPTED.value,
            ReferralState.IN_PROGRESS.value, "done")
NOTES = {"saved", "sent", "consent_saved"}


def sections(found: list[ReferralRecord], done: list[ReferralRecord], now) -> dict[str, list[ReferralRecord]]:
    grouped: dict[str, list[ReferralRecord]] = {name: [] for name in SECTIONS}
    for r in sorted(found, key=lambda r: (r.due_on, r.id)):
        grouped["overdue" if r.overdue(now) else r.state.value].append(r)
    grouped["done"] = done
    return grouped


def _choices() -> dict[str, list]:
    return {"reasons": list(RejectReason), "outcomes": list(Outcome)}


@router.get("/office/referrals")
async def referrals(request: Request, box: str = "", done: str = "") -> Response:
    who = await guard.caller(request)
    actor = who.actor
    boxes = [b for b, shown in (("received", actor.org_code is not None),
                                ("sent", actor.role is not None and actor.role.dong_scoped)) if shown]
    if not may(actor, Action.LIST_REFERRALS) or not boxes:
        raise not_allowed()
    box = box if box in boxes else boxes[0]
    async with guard.read(request) as work:
        lister = core_referrals.owed if box == "received" else core_referrals.sent
        found = await lister(work, actor, states=OPEN)
        finished = await lister(work, actor, states=DONE_STATES, limit=20)
        offered = {r.id: await referral_desk.offered(work, actor, r) for r in found}
        orgs = await core_referrals.directory(work, actor)
        now = work.now
    return page(request, "referrals.html", actor=actor, csrf=who.csrf, box=box, boxes=boxes,
                sections=sections(found, finished, now), offered=offered, orgs=orgs, now=now,
                done=done if done in NOTES else "", **_choices())


@router.get("/office/referrals/{referral_id}")
async def referral(referral_id: ReferralId, request: Request, done: str = "") -> Response:
    who = await guard.caller(request)
    async with guard.tx(request) as work:
        view = await core_referrals.read_referral(work, who.actor, referral_id)  # audited
        offered = await referral_desk.offered(work, who.actor, view.referral)
        orgs = await core_referrals.directory(work, who.actor)
        now = work.now
    onward = [o for o in orgs.all if o.code != view.referral.to_org_code]
    # The note is free text: screened for danger like every other (welfare/danger.py), so the
    # sender and the receiver both see the numbers to call at once when it speaks of a risk.
    danger = screen(view.request)
    # The way back: the case for its own 동's team (they came from it), else the referral list.
    back_to_case = who.actor.role in RECORD_READERS and who.actor.may_see(view.referral.from_dong_code)
    return page(request, "referral.html", actor=who.actor, csrf=who.csrf, view=view, r=view.referral, danger=danger,
                back_to_case=back_to_case, may_list=may(who.actor, Action.LIST_REFERRALS),
                offered=offered, orgs=orgs, onward=onward, now=now, done=done if done in NOTES else "",
                **_choices())


def _version(fields: dict[str, list[str]]) -> int | None:
    value = guard.one(fields, "version")
    return int(value) if value.isdigit() and len(value) < 10 else None


@router.post("/office/referrals/{referral_id}/reply")
async def reply(referral_id: ReferralId, request: Request) -> Response:
    """One press: the action (and its reason, outcome or next organisation) goes to the core."""
    services = request.app.state.services
    async with guard.tx(request) as work:
        who, fields = await guard.posted(request, work)
        action = guard.one(fields, "action")
        if action not in {a.value for a in ReferralAction}:
            raise invalid("referral.error.invalid")
        moved = await core_referrals.reply(
            work, who.actor, referral_id, action, reason=guard.one(fields, "reason") or None,
            outcome=guard.one(fields, "outcome") or None, onward_to=guard.one(fields, "onward_to") or None,
            request=guard.one(fields, "request")[:core_referrals.MAX_REQUEST], expected_version=_version(fields))
        queued = await referral_notices.moved(services, work, who.actor, moved, action)
    await referral_notices.deliver(services, queued)
    back = guard.one(fields, "back")
    if back == "list":
        return RedirectResponse("/office/referrals?done=saved", status_code=303)
    return RedirectResponse(f"/office/referrals/{referral_id}?done=saved", status_code=303)


# -- making a referral from the case page ------------------------------------------------------------
@router.get("/office/cases/{case_id}/refer")
async def refer_form(case_id: CaseId, request: Request, need: str = "", org: str = "", done: str = "") -> Response:
    who = await guard.caller(request)
    async with guard.read(request) as work:
        options = await core_referrals.dialog_options(work, who.actor, case_id)
        orgs = await core_referrals.directory(work, who.actor)
    need = need if need in options.needs else ""
    suggested = options.orgs.get(need, []) if need else []
    chosen = org if org in {code for code, _ in suggested} else ""
    return page(request, "refer.html", actor=who.actor, csrf=who.csrf, options=options, need=need,
                suggested=suggested, chosen=chosen, orgs=orgs, refused="", note="",
                done=done if done in NOTES else "")


@router.post("/office/cases/{case_id}/refer")
async def refer(case_id: CaseId, request: Request) -> Response:
    services = request.app.state.services
    fields: dict[str, list[str]] = {}
    try:
        async with guard.tx(request) as work:
            who, fields = await guard.posted(request, work)
            referral = await core_referrals.refer(
                work, who.actor, case_id, guard.one(fields, "org"), need=guard.one(fields, "need"),
                request=guard.one(fields, "request")[:core_referrals.MAX_REQUEST],
                flags=[f for f in fields.get("flags", []) if f])
            queued = await referral_notices.referred(services, work, referral)
    except Refused as refused:
        if refused.key != core_referrals.CONSENT_MISSING:
            raise
        # Consent does not name the organisation: say so, keep the note, offer to record the
        # new signed 서식2 that names it (L9636–9640), and send nothing.
        async with guard.read(request) as work:
            options = await core_referrals.dialog_options(work, who.actor, case_id)
            orgs = await core_referrals.directory(work, who.actor)
        need, org = guard.one(fields, "need"), guard.one(fields, "org")
        return page(request, "refer.html", status=409, actor=who.actor, csrf=who.csrf, options=options, need=need,
                    suggested=options.orgs.get(need, []), chosen=org, orgs=orgs, refused=refused.key,
                    note=guard.one(fields, "request"), done="")
    await referral_notices.deliver(services, queued)
    return RedirectResponse(f"/office/referrals/{referral.id}?done=sent", status_code=303)


@router.post("/office/cases/{case_id}/consent-naming")
async def consent_naming(case_id: CaseId, request: Request) -> Response:
    """The worker holds a new signed 서식2 naming the organisation: recorded through the core."""
    async with guard.tx(request) as work:
        who, fields = await guard.posted(request, work)
        org = guard.one(fields, "org")
        await core_referrals.record_consent_naming(work, who.actor, case_id, org)
    query = urlencode({"need": guard.one(fields, "need"), "org": org, "done": "consent_saved"})
    return RedirectResponse(f"/office/cases/{case_id}/refer?{query}", status_code=303)
