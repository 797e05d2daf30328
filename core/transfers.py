"""The household moved: its case goes to the 읍면동 of the new address, whose team monitors it
from then on (L10102–10106). One action: the case and its report change 읍면동, the old
manager lets go (the new team leader designates the 주사례관리자, L8576–8578), and every
partner with an open referral on the case is told (by the channel: no personal data)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, update

from core import audit_trail
from core.actor import Actor
from core.permissions import Action, check
from core.refusals import NO_SUCH_CASE, conflict, invalid, not_found
from core.work import Work
from state import cases
from state import referrals as referral_store
from state.models import Case, CaseEvent, Report
from welfare.korea_time import kst_today


@dataclass(frozen=True, slots=True)
class Transferred:
    case_id: int
    report_id: int
    receipt_no: str
    from_dong: str
    to_dong: str
    open_referrals: list[referral_store.ReferralRecord]  # their organisations are told


async def transfer_case(work: Work, actor: Actor, case_id: int, to_dong: str) -> Transferred:
    record = await cases.load(work.db, work.conn, case_id, lock=True)
    if record is None:
        raise not_found(NO_SUCH_CASE)
    check(actor, Action.TRANSFER_CASE, dong_code=record.dong_code)
    target = work.directory.dong(to_dong)
    if target is None:
        raise invalid("transfer.error.no_such_dong")
    if to_dong == record.dong_code:
        raise conflict("transfer.error.same_dong")
    now = work.now
    await work.conn.execute(update(Case.__table__).where(Case.__table__.c.id == record.id).values(
        dong_code=to_dong, manager_member_id=None, version=record.version + 1, updated_at=now))
    await work.conn.execute(update(Report.__table__).where(Report.__table__.c.id == record.report_id)
                            .values(dong_code=to_dong))
    step = record.state.step.value
    await work.conn.execute(insert(CaseEvent.__table__).values(
        case_id=record.id, at=now, on_date=kst_today(now).isoformat(), actor_member_id=actor.member_id,
        action="transferred", from_step=step, to_step=step, detail={"from": record.dong_code, "to": to_dong}))
    moved = await cases.load(work.db, work.conn, record.id)
    assert moved is not None
    # The reminders follow the case to its new 읍면동 (사후관리 by the current address, L10102–10106).
    await cases.reschedule(work.db, work.conn, moved, now)
    await audit_trail.write(work, actor, "transfer", f"case:{record.id}", {"from": record.dong_code, "to": to_dong})
    still_open = [r for r in await referral_store.of_case(work.conn, record.id) if r.state.is_open]
    return Transferred(record.id, record.report_id, record.receipt_no, record.dong_code, to_dong, still_open)
