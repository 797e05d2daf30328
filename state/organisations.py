"""Partner organisations in the store: loading the CSV updates in place (referrals point at
them, so nothing is deleted); reading gives the domain's Organisations."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from state.db import Database
from state.models import OrganisationRow
from welfare.organisations import OrgType, Organisation, Organisations

O = OrganisationRow.__table__


async def upsert_organisations(db: Database, conn: AsyncConnection, orgs: Organisations) -> int:
    for org in orgs.all:
        values = {"code": org.code, "name": org.name, "type": org.type.value, "sigungu_code": org.sigungu_code,
                  "area": list(org.area), "needs": list(org.needs), "phone": org.phone, "chat_id": org.chat_id,
                  "reply_days": org.reply_days}
        stmt = db.insert(O).values(**values)
        await conn.execute(stmt.on_conflict_do_update(index_elements=[O.c.code],
                                                      set_={k: v for k, v in values.items() if k != "code"}))
    return len(orgs.all)


def _org(row) -> Organisation:
    try:
        org_type = OrgType(row.type)
    except ValueError:
        org_type = OrgType.OTHER
    return Organisation(row.code, row.name, org_type, row.sigungu_code, tuple(row.area or ()), tuple(row.needs or ()),
                        row.phone or "", row.chat_id, row.reply_days)


async def read_organisations(conn: AsyncConnection) -> Organisations:
    return Organisations(tuple(_org(r) for r in await conn.execute(select(O).order_by(O.c.code))))
