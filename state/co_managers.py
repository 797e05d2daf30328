"""Co-managing organisations of a case in the store: added and removed (never deleted), each a
case event too. Who may is the core's question (core/co_managers.py)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from state.crypto import FieldCipher
from state.models import CaseCoManager, CaseEvent
from welfare.co_management import CoManagerRole
from welfare.korea_time import kst_today

M, E = CaseCoManager.__table__, CaseEvent.__table__
ROLE_CONTEXT = "co_managers.role"


@dataclass(frozen=True, slots=True)
class CoManagerRecord:
    id: int
    case_id: int
    org_code: str
    role_kind: CoManagerRole
    role_text: str
    added_at: datetime


async def current(conn: AsyncConnection, cipher: FieldCipher, case_id: int) -> list[CoManagerRecord]:
    rows = await conn.execute(select(M).where(M.c.case_id == case_id, M.c.removed_at.is_(None)).order_by(M.c.id))
    return [CoManagerRecord(r.id, r.case_id, r.org_code, CoManagerRole(r.role_kind),
                            cipher.decrypt(r.role_text_enc, ROLE_CONTEXT) or "", r.added_at) for r in rows]


async def add(conn: AsyncConnection, cipher: FieldCipher, case_id: int, org_code: str, kind: CoManagerRole,
              text: str, actor_id: int | None, now: datetime) -> int:
    return (await conn.execute(insert(M).returning(M.c.id).values(
        case_id=case_id, org_code=org_code, role_kind=kind.value, role_text_enc=cipher.encrypt(text, ROLE_CONTEXT),
        added_by=actor_id, added_at=now))).scalar_one()


async def remove(conn: AsyncConnection, entry_id: int, actor_id: int | None, now: datetime) -> bool:
    result = await conn.execute(update(M).where(M.c.id == entry_id, M.c.removed_at.is_(None)).values(
        removed_by=actor_id, removed_at=now))
    return bool(result.rowcount)


async def event(conn: AsyncConnection, case_id: int, step: str, actor_id: int | None, now: datetime, action: str,
                detail: dict) -> None:
    """The case's history shows who joined or left its management, and in which role (codes only)."""
    await conn.execute(insert(E).values(case_id=case_id, at=now, on_date=kst_today(now).isoformat(),
                                        actor_member_id=actor_id, action=action, from_step=step, to_step=step,
                                        detail=detail))
