"""Joint case management (공동사례관리): the co-managing organisations of a case, each with its
stated role, beside the one lead (주사례관리기관, core/referrals.py `reassign_lead`) and the one
주사례관리자 (core/cases.py).

Joining a case's management means the organisation works with the household's data, so an
organisation is added only while the case's 서식2 consent names it under 제3자 제공 (L8655;
re-consent when the recipients change, L9636–9640). The list itself (organisation, role kind,
role text) carries no personal data beyond the role line, which is encrypted at rest and screened
for danger like every free text. A later consent that no longer names a co-manager shows it as
"consent lapsed" (`consented` False) on the card and in the API: it stays listed, so the team
sees whom to ask for a new consent or remove.
"""
from __future__ import annotations

from dataclasses import dataclass

from core import audit_trail
from core.actor import Actor
from core.permissions import Action, check
from core.refusals import NO_SUCH_CASE, Refused, RefusalKind, conflict, invalid, not_found
from core.work import Work
from state import cases, consents
from state import co_managers as store
from state import organisations as org_store
from state import referrals as referral_store
from welfare.co_management import MAX_ROLE_TEXT, CoManagerRole
from welfare.danger import screen

CONSENT_MISSING = "referral.error.consent_missing"  # the same answer as a referral's (record a new 서식2)


@dataclass(frozen=True, slots=True)
class CoManager:
    id: int
    org_code: str
    org_name: str
    role_kind: CoManagerRole
    role_text: str
    consented: bool  # the case's current consent still names the organisation


@dataclass(frozen=True, slots=True)
class Added:
    co_manager: CoManager
    danger: tuple[str, ...]  # danger kinds found in the role text (the channel shows the numbers)


async def _case(work: Work, case_id: int, *, lock: bool = False) -> cases.CaseRecord:
    record = await cases.load(work.db, work.conn, case_id, lock=lock)
    if record is None:
        raise not_found(NO_SUCH_CASE)
    return record


async def listed(work: Work, case_id: int) -> list[CoManager]:
    """For a reader the core already let through (read_case): the case's co-managers."""
    orgs = await org_store.read_organisations(work.conn)
    consent = await consents.current(work.conn, case_id)
    found = []
    for entry in await store.current(work.conn, work.cipher, case_id):
        org = orgs.get(entry.org_code)
        found.append(CoManager(entry.id, entry.org_code, org.name if org else entry.org_code, entry.role_kind,
                               entry.role_text, bool(consent and consent.names(entry.org_code))))
    return found


async def co_managers(work: Work, actor: Actor, case_id: int) -> list[CoManager]:
    """Who co-manages the case, for someone who may read it (audited as a read of the case)."""
    record = await _case(work, case_id)
    check(actor, Action.READ_CASE, dong_code=record.dong_code)
    await audit_trail.write(work, actor, "read", f"case:{record.id}", {"co_managers": True})
    return await listed(work, record.id)


async def add_co_manager(work: Work, actor: Actor, case_id: int, org_code: str, role_kind: str,
                         role_text: str = "") -> Added:
    """An organisation joins the case's management with its stated role (a case event, audited)."""
    record = await _case(work, case_id, lock=True)
    check(actor, Action.ADD_CO_MANAGER, dong_code=record.dong_code, manager_id=record.manager_member_id)
    try:
        kind = CoManagerRole(role_kind)
    except ValueError:
        raise invalid("comanager.error.invalid") from None
    text = (role_text or "").strip()
    if len(text) > MAX_ROLE_TEXT:
        raise invalid("comanager.error.invalid")
    org = (await org_store.read_organisations(work.conn)).get(org_code)
    if org is None:
        raise invalid("referral.error.no_such_org")
    lead = await referral_store.lead_of(work.conn, record.id)
    if org_code == lead or any(c.org_code == org_code for c in await store.current(work.conn, work.cipher, record.id)):
        raise conflict("comanager.error.already")
    consent = await consents.current(work.conn, record.id)
    if consent is None or not consent.names(org_code):
        raise Refused(RefusalKind.CONFLICT, CONSENT_MISSING)
    entry_id = await store.add(work.conn, work.cipher, record.id, org_code, kind, text, actor.member_id, work.now)
    detail = {"org": org_code, "role": kind.value, "entry": entry_id}
    await store.event(work.conn, record.id, record.state.step.value, actor.member_id, work.now, "co_manager_added",
                      detail)
    await audit_trail.write(work, actor, "add_co_manager", f"case:{record.id}", detail)
    danger = screen(text) if text else None
    return Added(CoManager(entry_id, org_code, org.name, kind, text, True),
                 tuple(k.value for k in danger.kinds) if danger else ())


async def remove_co_manager(work: Work, actor: Actor, case_id: int, org_code: str) -> None:
    """The organisation leaves the case's management (kept in the history, never deleted)."""
    record = await _case(work, case_id, lock=True)
    check(actor, Action.REMOVE_CO_MANAGER, dong_code=record.dong_code, manager_id=record.manager_member_id)
    entry = next((c for c in await store.current(work.conn, work.cipher, record.id) if c.org_code == org_code), None)
    if entry is None or not await store.remove(work.conn, entry.id, actor.member_id, work.now):
        raise not_found("comanager.error.not_found")
    detail = {"org": org_code, "role": entry.role_kind.value, "entry": entry.id}
    await store.event(work.conn, record.id, record.state.step.value, actor.member_id, work.now,
                      "co_manager_removed", detail)
    await audit_trail.write(work, actor, "remove_co_manager", f"case:{record.id}", detail)
