"""Counts for the 시군구's overview (core/overview.py): reports filed per 읍면동 since a moment,
and the active caseworkers per 읍면동. Data access only; no personal column is read."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from state.models import Member, Report

R, M = Report.__table__, Member.__table__


async def reports_since(conn: AsyncConnection, dong_codes: list[str], since: datetime) -> list[tuple[str, datetime, bool]]:
    """(읍면동, filed at, urgent) of every report since `since` (the charts bin them by KST day)."""
    if not dong_codes:
        return []
    rows = await conn.execute(select(R.c.dong_code, R.c.created_at, R.c.urgent)
                              .where(R.c.dong_code.in_(dong_codes), R.c.created_at >= since))
    return [(d, at, bool(u)) for d, at, u in rows]


async def caseworkers_by_dong(conn: AsyncConnection, dong_codes: list[str]) -> dict[str, int]:
    if not dong_codes:
        return {}
    rows = await conn.execute(select(M.c.dong_code, func.count()).where(
        M.c.dong_code.in_(dong_codes), M.c.role == "caseworker", M.c.active.is_(True)).group_by(M.c.dong_code))
    return {d: int(n) for d, n in rows}
