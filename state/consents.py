"""서식2 consents in the store: appended, never edited; the newest is the case's consent."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from state.models import CaseEvent, ConsentRow
from welfare.consent import Consent, consent_from

K, E = ConsentRow.__table__, CaseEvent.__table__


async def record(conn: AsyncConnection, case_id: int, consent: Consent, now: datetime) -> int:
    return (await conn.execute(insert(K).returning(K.c.id).values(
        case_id=case_id, parts={p.value: v for p, v in consent.parts.items()}, recipients=list(consent.recipients),
        given_on=consent.given_on.isoformat(), recorded_by=consent.recorded_by, recorded_at=now))).scalar_one()


async def current(conn: AsyncConnection, case_id: int) -> Consent | None:
    row = (await conn.execute(select(K).where(K.c.case_id == case_id).order_by(K.c.id.desc()).limit(1))).first()
    if row is None:
        return None
    return consent_from(row.parts, row.recipients, date.fromisoformat(row.given_on), row.recorded_by)


async def event(conn: AsyncConnection, case_id: int, step: str, actor_id: int | None, now: datetime,
                detail: dict) -> None:
    """A consent recorded is a case event: the history shows who recorded which version, when."""
    from welfare.korea_time import kst_today
    await conn.execute(insert(E).values(case_id=case_id, at=now, on_date=kst_today(now).isoformat(),
                                        actor_member_id=actor_id, action="record_consent", from_step=step,
                                        to_step=step, detail=detail))
