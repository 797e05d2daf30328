"""Referrals (의뢰) in the store: writing one, moving its state, the lists the sender, the
receiver and the coordinator read, and the reply clock's timers. Who may is the core's
question (core/referrals.py); this only reads and writes."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from state import timers
from state.crypto import FieldCipher
from state.db import Database
from state.merged_lists import merged_by_dong
from state.models import Case, CaseEvent, ReferralRow
from welfare.korea_time import kst_moment, kst_today
from welfare.referral_lifecycle import OPEN_STATES, ReferralState
from welfare.working_days import DEFAULT_CALENDAR

F, E, C = ReferralRow.__table__, CaseEvent.__table__, Case.__table__
REMIND_AT = time(9, 0)  # like the case clocks: 09:00 KST on a working day
REQUEST_CONTEXT = "referrals.request"


@dataclass(frozen=True, slots=True)
class ReferralRecord:
    id: int
    case_id: int
    from_dong_code: str
    from_member_id: int | None
    to_org_code: str
    state: ReferralState
    need: str
    household_type: str | None
    flags: tuple[str, ...]
    is_change: bool
    shared: tuple[str, ...]
    reject_reason: str | None
    outcome: str | None
    taken_by_member_id: int | None
    previous_id: int | None
    version: int
    sent_at: datetime
    due_on: date
    request_enc: str | None = None

    def overdue(self, now: datetime) -> bool:
        return self.state.awaits_reply and self.due_on < kst_today(now)

    def age_days(self, now: datetime) -> int:
        return (kst_today(now) - kst_today(self.sent_at)).days


def _record(row: Any) -> ReferralRecord:
    return ReferralRecord(row.id, row.case_id, row.from_dong_code, row.from_member_id, row.to_org_code,
                          ReferralState(row.state), row.need, row.household_type, tuple(row.flags or ()),
                          bool(row.is_change), tuple(row.shared or ()), row.reject_reason, row.outcome,
                          row.taken_by_member_id, row.previous_id, row.version, row.sent_at,
                          date.fromisoformat(row.due_on), row.request_enc)


def request_text(cipher: FieldCipher, record: ReferralRecord) -> str:
    return cipher.decrypt(record.request_enc, REQUEST_CONTEXT) or ""


async def create(db: Database, conn: AsyncConnection, cipher: FieldCipher, *, case_id: int, from_dong_code: str,
                 from_member_id: int | None, to_org_code: str, need: str, household_type: str | None,
                 flags: list[str], is_change: bool, request: str, shared: list[str], due_on: date,
                 previous_id: int | None, now: datetime) -> ReferralRecord:
    referral_id = (await conn.execute(insert(F).returning(F.c.id).values(
        case_id=case_id, from_dong_code=from_dong_code, from_member_id=from_member_id, to_org_code=to_org_code,
        state=ReferralState.REQUESTED.value, need=need, household_type=household_type, flags=flags,
        is_change=is_change, request_enc=cipher.encrypt(request or "", REQUEST_CONTEXT), shared=shared,
        previous_id=previous_id, version=1, sent_at=now, due_on=due_on.isoformat(), updated_at=now))).scalar_one()
    record = await load(conn, referral_id)
    assert record is not None
    await _schedule(db, conn, record, now)
    return record


async def load(conn: AsyncConnection, referral_id: int, *, lock: bool = False, db: Database | None = None
               ) -> ReferralRecord | None:
    query = select(F).where(F.c.id == referral_id)
    if lock and db is not None and not db.is_sqlite:
        query = query.with_for_update()
    row = (await conn.execute(query)).first()
    return _record(row) if row else None


async def move(conn: AsyncConnection, record: ReferralRecord, state: ReferralState, now: datetime, *,
               reject_reason: str | None = None, outcome: str | None = None,
               taken_by: int | None = None) -> ReferralRecord:
    """A new state (and version): refused as stale if someone moved it first."""
    values: dict[str, Any] = {"state": state.value, "version": record.version + 1, "updated_at": now}
    if reject_reason is not None:
        values["reject_reason"] = reject_reason
    if outcome is not None:
        values["outcome"] = outcome
    if taken_by is not None and record.taken_by_member_id is None:
        values["taken_by_member_id"] = taken_by
    result = await conn.execute(update(F).where(F.c.id == record.id, F.c.version == record.version).values(**values))
    if not result.rowcount:
        raise StaleReferral()
    if not state.awaits_reply:
        await timers.cancel(conn, timers.TimerKind.REFERRAL_DUE_SOON, f"referral:{record.id}", now)
        await timers.cancel(conn, timers.TimerKind.REFERRAL_OVERDUE, f"referral:{record.id}", now)
    return replace(record, state=state, version=record.version + 1, reject_reason=reject_reason or record.reject_reason,
                   outcome=outcome or record.outcome,
                   taken_by_member_id=record.taken_by_member_id or taken_by)


class StaleReferral(Exception):
    """The referral changed since it was read."""


async def event(conn: AsyncConnection, record: ReferralRecord, now: datetime, actor_id: int | None, action: str,
                step: str, detail: dict[str, Any]) -> None:
    """A referral's change is a case event too: the case's history shows every hand-off."""
    await conn.execute(insert(E).values(case_id=record.case_id, at=now, on_date=kst_today(now).isoformat(),
                                        actor_member_id=actor_id, action=f"referral_{action}"[:40], from_step=step,
                                        to_step=step, detail={"referral": record.id, "org": record.to_org_code,
                                                              "state": record.state.value, **detail}))


async def of_case(conn: AsyncConnection, case_id: int) -> list[ReferralRecord]:
    return [_record(r) for r in await conn.execute(select(F).where(F.c.case_id == case_id).order_by(F.c.id))]


async def of_cases(conn: AsyncConnection, case_ids: list[int]) -> list[ReferralRecord]:
    found: list[ReferralRecord] = []
    for start in range(0, len(case_ids), 500):  # bounded IN lists
        chunk = case_ids[start:start + 500]
        found += [_record(r) for r in await conn.execute(select(F).where(F.c.case_id.in_(chunk)).order_by(F.c.id))]
    return found


async def listing(conn: AsyncConnection, *, sent_by_dongs: list[str] | None = None, from_member_id: int | None = None,
                  to_org: str | None = None, states: list[str] | None = None, overdue_on: date | None = None,
                  limit: int = 200) -> list[ReferralRecord]:
    """Newest first, each list read through an index (migration 0015): a caseworker's from
    ix_referrals_member_sent and a 읍면동's from ix_referrals_dong_sent, in order (several
    읍면동 merged, state/merged_lists.py); an organisation's from ix_referrals_org_state; the open
    or overdue ones from ix_referrals_dong_state_due. The last two sort what they read, which
    is only the open referrals — few, where the history is not."""
    query = select(F)
    if from_member_id is not None:
        query = query.where(F.c.from_member_id == from_member_id)
    if to_org is not None:
        query = query.where(F.c.to_org_code == to_org)
    if states:
        query = query.where(F.c.state.in_(states))
    if overdue_on is not None:
        query = query.where(F.c.state.in_([ReferralState.REQUESTED.value, ReferralState.RECEIVED.value]),
                            F.c.due_on < overdue_on.isoformat())
    by_dong_only = from_member_id is None and to_org is None and not states and overdue_on is None
    if sent_by_dongs is not None and by_dong_only:
        query = merged_by_dong(conn, query, F.c.from_dong_code, sent_by_dongs, ("sent_at", "id"), limit)
    else:
        if sent_by_dongs is not None:
            query = query.where(F.c.from_dong_code.in_(sent_by_dongs))
        query = query.order_by(F.c.sent_at.desc(), F.c.id.desc()).limit(limit)
    return [_record(r) for r in await conn.execute(query)]


OPEN = sorted(s.value for s in OPEN_STATES)


async def _schedule(db: Database, conn: AsyncConnection, record: ReferralRecord, now: datetime) -> None:
    """The reply clock: the receiving organisation is reminded the working day before the due
    day (or at once when that has passed), the sender and the coordinator the working day after."""
    before = DEFAULT_CALENDAR.previous_working_day(record.due_on - timedelta(days=1))
    after = DEFAULT_CALENDAR.next_working_day(record.due_on + timedelta(days=1))
    subject = f"referral:{record.id}"
    payload = {"due": record.due_on.isoformat(), "org": record.to_org_code}
    await timers.schedule(db, conn, kind=timers.TimerKind.REFERRAL_DUE_SOON, subject=subject, version=1,
                          due_at=max(kst_moment(before, REMIND_AT), now), payload=payload)
    await timers.schedule(db, conn, kind=timers.TimerKind.REFERRAL_OVERDUE, subject=subject, version=1,
                          due_at=kst_moment(after, REMIND_AT), payload=payload)


async def lead_of(conn: AsyncConnection, case_id: int) -> str | None:
    """The case's 주사례관리기관 when an organisation leads it (None: its 읍면동 team)."""
    return (await conn.execute(select(C.c.lead_org_code).where(C.c.id == case_id))).scalar()


async def set_lead(conn: AsyncConnection, case_id: int, org_code: str | None, actor_id: int | None, step: str,
                   now: datetime) -> str | None:
    """Make `org_code` (None: the 읍면동 team) the case's lead; a case event says from whom to whom."""
    before = await lead_of(conn, case_id)
    await conn.execute(update(C).where(C.c.id == case_id).values(lead_org_code=org_code, updated_at=now))
    await conn.execute(insert(E).values(case_id=case_id, at=now, on_date=kst_today(now).isoformat(),
                                        actor_member_id=actor_id, action="lead_changed", from_step=step, to_step=step,
                                        detail={"from": before, "to": org_code}))
    return before
