"""The 읍면동 directory in the store: loading a CSV updates in place; reading gives the domain
object the dialogs route with."""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from state.db import Database
from state.models import Dong as DongRow
from state.models import Sigungu as SigunguRow
from welfare.directory import Directory, Dong, Sigungu, region_of

S, D = SigunguRow.__table__, DongRow.__table__


async def upsert_directory(db: Database, conn: AsyncConnection, directory: Directory) -> tuple[int, int]:
    """Insert or update every 시군구 and 읍면동 of the file; nothing is deleted (reports point at
    them). Returns (시군구 count, 읍면동 count)."""
    for sg in directory.sigungus:
        stmt = db.insert(S).values(code=sg.code, name=sg.name)
        await conn.execute(stmt.on_conflict_do_update(index_elements=[S.c.code], set_={"name": sg.name}))
    for d in directory.dongs:
        values = {"code": d.code, "sigungu_code": d.sigungu_code, "name": d.name, "lat": d.lat, "lon": d.lon,
                  "team_chat_id": d.team_chat_id, "phone": d.phone}
        stmt = db.insert(D).values(**values)
        await conn.execute(stmt.on_conflict_do_update(
            index_elements=[D.c.code], set_={k: v for k, v in values.items() if k != "code"}))
    return len(directory.sigungus), len(directory.dongs)


async def read_directory(conn: AsyncConnection) -> Directory:
    sigungus = [Sigungu(r.code, r.name) for r in await conn.execute(select(S))]
    names = {sg.code: sg.name for sg in sigungus}
    # The 지역 구분 is not stored: it follows from the 시군구's name (welfare.directory.region_of).
    dongs = [Dong(r.code, r.name, r.sigungu_code, r.lat, r.lon, r.team_chat_id, r.phone,
                  region_of(names.get(r.sigungu_code, "")))
             for r in await conn.execute(select(D))]
    return Directory.build(sigungus, dongs)


async def move_team_chat(conn: AsyncConnection, old_chat_id: int, new_chat_id: int) -> list[str]:
    """A team group became a supergroup: every 읍면동 alerted at the old id is alerted at the new
    one. Returns the codes of the 읍면동 changed."""
    codes = [r[0] for r in await conn.execute(select(D.c.code).where(D.c.team_chat_id == old_chat_id))]
    if codes:
        await conn.execute(update(D).where(D.c.team_chat_id == old_chat_id).values(team_chat_id=new_chat_id))
    return codes
