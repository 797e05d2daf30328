"""The team leader's page (사례관리팀장): approvals waiting (selection, plans, closure) — the
cases where the core offers the leader an approving step now — and each caseworker's load of
case-managed households against the guide's "15가구 내외" (part 1 notes: 1인이 담당하는
사례관리 가구 수는 15가구 내외, 팀장이 적정 배분 — L3761)."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from core import cases as core_cases
from core.permissions import Action, may
from core.refusals import not_allowed
from integrations.office import guard
from integrations.office.rendering import page
from state import members as member_store
from welfare.case_clocks import HouseholdType
from welfare.case_lifecycle import CaseAction, CaseStep
from welfare.roles import Role

router = APIRouter()
GUIDE_LOAD = 15  # 사례관리 가구 per worker, "15가구 내외"
A = CaseAction
# Which offered steps are approvals the team is waiting for, by the step the case is at.
APPROVALS: dict[str, tuple[CaseStep, frozenset[CaseAction]]] = {
    "selection": (CaseStep.SELECTION, frozenset({A.SELECT_CASE_MANAGEMENT, A.SELECT_SERVICE_LINKAGE,
                                                 A.SELECT_NOT_SELECTED})),
    "plan": (CaseStep.SERVICE_PLAN, frozenset({A.CONFIRM_SERVICE_PLAN})),
    "closure": (CaseStep.CLOSURE, frozenset({A.APPROVE_CLOSURE, A.REJECT_CLOSURE_REVIEW})),
}


@router.get("/office/team")
async def team(request: Request) -> Response:
    who = await guard.caller(request)
    if not may(who.actor, Action.ASSIGN_CASE):
        raise not_allowed()
    async with guard.read(request) as work:
        found = await core_cases.list_cases(work, who.actor, open_only=True, limit=2000)
        staff = [m for dong in sorted(who.actor.dongs) for m in await member_store.staff_of_dong(work.conn, dong)
                 if m.role == Role.CASEWORKER]
    waiting: dict[str, list] = {kind: [] for kind in APPROVALS}
    for record in found:
        offered = set(core_cases.offered_actions(record, who.actor))
        for kind, (step, approving) in APPROVALS.items():
            if record.state.step is step and offered & approving:
                waiting[kind].append(record)
    load = []
    for member in staff:
        mine = [c for c in found if c.manager_member_id == member.id]
        managed = sum(1 for c in mine if c.state.milestones.household_type is HouseholdType.CASE_MANAGED)
        load.append({"member": member, "open": len(mine), "managed": managed, "over": managed > GUIDE_LOAD})
    return page(request, "team.html", actor=who.actor, csrf=who.csrf, waiting=waiting, load=load,
                guide_load=GUIDE_LOAD)
