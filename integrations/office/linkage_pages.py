"""Support and conferences in the web office, beside the case page: the household support ledger
(누가 돕고 있나요? — only what core/support.py returns: givers and kinds, and the reader's own
entries), recording support with the duplicate warning (naming only the earlier giver and the
month, Goyang P8) and the national-programme check for 긴급지원 first (L10860–10864); a case's
conference minutes (read audited by core/conferences.py) and a short form to record one (서식4,
L11991–12068). Pages parse, call the core and render; the core checks and audits."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from core import conferences as core_conferences
from core import support as core_support
from core.actor import Actor
from core.refusals import Refused, invalid
from core.work import Work
from integrations.office import guard
from integrations.office.rendering import page
from welfare.conferences import CONTENT_MAX, TITLE_MAX, Attendee, AttendeeKind, Decision, MeetingKind

router = APIRouter()
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1)]
NOTES = {"support_saved", "support_override", "support_stopped", "conference_saved"}
# A short conference from the desk: 내부 or 통합 (the 솔루션회의 is the 희망복지지원단's, requested apart).
DESK_KINDS = (MeetingKind.INTERNAL, MeetingKind.INTEGRATED)


async def support_section(work: Work, actor: Actor, case_id: int, *, read: bool) -> dict[str, Any]:
    """What the support part of a page shows: the ledger if `read` (the caller asked the core,
    which audits), and the record form's choices if the core lets this person record."""
    view = await core_support.who_serves(work, actor, case_id) if read else None
    try:
        options = await core_support.dialog_options(work, actor, case_id)  # records nothing, audits nothing
    except Refused:
        options = None
    return {"ledger": view, "support_options": options, "cipher": work.cipher}


async def conference_section(work: Work, actor: Actor, case_id: int, *, read: bool) -> dict[str, Any]:
    minutes = await core_conferences.read_minutes(work, actor, case_id) if read else []
    try:
        options = await core_conferences.dialog_options(work, actor, case_id)
    except Refused:
        options = None
    return {"minutes": minutes, "conference_options": options, "desk_kinds": DESK_KINDS, "decisions": list(Decision)}


def _note(done: str) -> str:
    return done if done in NOTES else ""


# -- support ---------------------------------------------------------------------------------------
@router.get("/office/cases/{case_id}/support")
async def support(case_id: CaseId, request: Request, done: str = "") -> Response:
    """The ledger and the record form on a page of their own: reached from the case page, and by a
    partner whose organisation the consent names (it cannot open the case page)."""
    who = await guard.caller(request)
    async with guard.tx(request) as work:
        shown = await support_section(work, who.actor, case_id, read=True)  # audited, refused if not theirs
    return page(request, "support.html", actor=who.actor, csrf=who.csrf, case_id=case_id, done=_note(done),
                confirm=None, kept={}, **shown)


def _kept(fields: dict[str, list[str]]) -> dict[str, str]:
    """What the giver entered, carried through the warning's form unchanged."""
    return {name: guard.one(fields, name)[:200] for name in ("kind", "given_on", "amount", "referral_id")}


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise invalid("support.error.bad_date") from None


@router.post("/office/cases/{case_id}/support")
async def record_support(case_id: CaseId, request: Request) -> Response:
    """Record; or, when the core asks first (NeedsConfirmation, nothing recorded), show the
    national-programme check and/or the warning with the coded reasons, and 기록하지 않기."""
    async with guard.tx(request) as work:
        who, fields = await guard.posted(request, work)
        if guard.one(fields, "stop") == "1":
            outcome = None
        else:
            kept = _kept(fields)
            referral = kept["referral_id"]
            outcome = await core_support.record_support(
                work, who.actor, case_id, kept["kind"], given_on=_day(kept["given_on"]), amount=kept["amount"] or None,
                referral_id=int(referral) if referral.isdigit() and len(referral) < 10 else None,
                national_checked=guard.one(fields, "national_checked") == "1",
                confirm=guard.one(fields, "confirm") == "1", reason=guard.one(fields, "reason") or None)
            if isinstance(outcome, core_support.NeedsConfirmation):
                shown = await support_section(work, who.actor, case_id, read=False)
    back = guard.one(fields, "back")
    target = f"/office/cases/{case_id}" if back == "case" else f"/office/cases/{case_id}/support"
    if outcome is None:
        return RedirectResponse(f"{target}?done=support_stopped", status_code=303)
    if isinstance(outcome, core_support.Recorded):
        return RedirectResponse(f"{target}?done={'support_override' if outcome.overrode else 'support_saved'}",
                                status_code=303)
    # 409: not recorded; the page asks to confirm (the same answer the API gives).
    return page(request, "support.html", status=409, actor=who.actor, csrf=who.csrf, case_id=case_id, done="",
                confirm=outcome, kept=kept, **shown)


# -- conferences -----------------------------------------------------------------------------------
@router.get("/office/cases/{case_id}/conferences")
async def conferences(case_id: CaseId, request: Request, done: str = "") -> Response:
    who = await guard.caller(request)
    async with guard.tx(request) as work:
        shown = await conference_section(work, who.actor, case_id, read=True)  # audited
    return page(request, "conferences.html", actor=who.actor, csrf=who.csrf, case_id=case_id, done=_note(done),
                **shown)


def _attendees(fields: dict[str, list[str]], offered: set[str]) -> list[Attendee]:
    return [Attendee(code, "", AttendeeKind.EXTERNAL) for code in dict.fromkeys(fields.get("orgs", []))
            if code in offered]


@router.post("/office/cases/{case_id}/conferences")
async def record_conference(case_id: CaseId, request: Request) -> Response:
    async with guard.tx(request) as work:
        who, fields = await guard.posted(request, work)
        options = await core_conferences.dialog_options(work, who.actor, case_id)
        offered = {code for code, _ in options.orgs}
        kind = guard.one(fields, "kind", MeetingKind.INTEGRATED.value)
        if kind not in {k.value for k in DESK_KINDS}:
            raise invalid("conference.error.invalid")
        await core_conferences.record_conference(
            work, who.actor, case_id, held_on=_day_of_meeting(guard.one(fields, "held_on")), kind=kind,
            title=guard.one(fields, "title")[:TITLE_MAX + 1], content=guard.one(fields, "content")[:CONTENT_MAX + 1],
            decisions=[d for d in fields.get("decisions", []) if d][:3], attendees=_attendees(fields, offered))
    back = guard.one(fields, "back")
    target = f"/office/cases/{case_id}" if back == "case" else f"/office/cases/{case_id}/conferences"
    return RedirectResponse(f"{target}?done=conference_saved", status_code=303)


def _day_of_meeting(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise invalid("conference.error.invalid") from None

