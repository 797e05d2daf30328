"""재개입: a closed household monitored by its 읍면동 has a new problem, and the case opens again
at 초기상담 as a new cycle (L10081–10083, L3709). Its own row in the table (REOPEN_CASE, scope
DONG): after a move the case has no manager until the new team leader names one, and the team of
the household's current 읍면동 must be able to reopen it (L10102–10106). Whoever reopens a case
that has no manager becomes its manager."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from core import audit_trail
from core.actor import Actor
from core.permissions import Action, check, may_manage, require_role
from core.refusals import NO_SUCH_CASE, Refused, conflict, invalid, not_found
from core.work import Work
from state import cases
from state.models import Case
from welfare.followup_checklist import DOMAIN_IDS
from welfare.roles import role_of

ENDED_STEPS = frozenset({"aftercare", "aftercare_done", "closed_early", "referred_out", "not_selected"})


async def reopen_case(work: Work, actor: Actor, case_id: int, problem: str,
                      expected_version: int | None = None) -> cases.CaseRecord:
    """``problem``: the need domain of the new problem (one of the 11 욕구영역; no free text)."""
    require_role(actor, Action.REOPEN_CASE)
    record = await cases.load(work.db, work.conn, case_id, lock=True)
    if record is None:
        raise not_found(NO_SUCH_CASE)
    check(actor, Action.REOPEN_CASE, dong_code=record.dong_code)
    if problem not in DOMAIN_IDS:
        raise invalid("process.error.problem_unknown")
    if record.state.step.value not in ENDED_STEPS:
        raise conflict("process.error.not_ended")
    if expected_version is not None and expected_version != record.version:
        raise conflict("case.error.stale")
    assert actor.member is not None
    try:
        updated = await cases.apply_action(work.db, work.conn, record, "reopen", actor.member, work.now)
    except cases.CaseError as error:
        raise conflict(error.key) from None
    if updated.manager_member_id is None and may_manage(role_of(actor.member.role)):
        updated = await _take(work, updated, actor.member.id, work.now)
    await audit_trail.write(work, actor, "reopen", f"case:{record.id}",
                            {"problem": problem, "cycle": updated.state.cycle, "from": record.state.step.value})
    return updated


async def _take(work: Work, record: cases.CaseRecord, member_id: int, now: datetime) -> cases.CaseRecord:
    table = Case.__table__
    await work.conn.execute(update(table).where(table.c.id == record.id).values(manager_member_id=member_id))
    taken = await cases.load(work.db, work.conn, record.id)
    assert taken is not None
    await cases.reschedule(work.db, work.conn, taken, now)  # reminders to the new manager
    return taken


def may_reopen(record: cases.CaseRecord, actor: Actor) -> bool:
    """Whether the card offers 재개입 to this person now (the core decides again on the press)."""
    if record.state.step.value not in ENDED_STEPS:
        return False
    try:
        check(actor, Action.REOPEN_CASE, dong_code=record.dong_code)
    except Refused:
        return False
    return True
