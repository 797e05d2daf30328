"""The resource directory in the store (welfare/resources.py): loading a file upserts by key;
an edit bumps the version (a stale reminder made for an older version then does nothing)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from state.db import Database
from state.models import ResourceRow
from welfare.resources import Resource, ResourceKind, as_values

R = ResourceRow.__table__


def _resource(row) -> Resource:
    return Resource(key=row.key, org_code=row.org_code, name=row.name, kind=ResourceKind(row.kind),
                    needs=tuple(row.needs or ()), last_verified=dt.date.fromisoformat(row.last_verified),
                    area=tuple(row.area or ()), description=row.description or "", eligibility=row.eligibility or "",
                    how_to_ask=row.how_to_ask or "", capacity=row.capacity or "", waiting_list=bool(row.waiting_list),
                    active=bool(row.active), id=row.id, version=row.version)


def _values(resource: Resource) -> dict[str, object]:
    return as_values(resource)


async def insert(conn: AsyncConnection, resource: Resource, now: datetime) -> Resource:
    result = await conn.execute(R.insert().values(**_values(resource), version=1, updated_at=now))
    return replace(resource, id=result.inserted_primary_key[0], version=1)


async def save(conn: AsyncConnection, resource: Resource, expected_version: int, now: datetime) -> Resource | None:
    """The edited resource, or None when someone else changed it first (version moved on)."""
    result = await conn.execute(update(R).where(R.c.id == resource.id, R.c.version == expected_version).values(
        **{k: v for k, v in _values(resource).items() if k not in ("key", "org_code")},
        version=expected_version + 1, updated_at=now))
    return replace(resource, version=expected_version + 1) if result.rowcount == 1 else None


async def upsert_many(db: Database, conn: AsyncConnection, resources: Iterable[Resource],
                      now: datetime) -> list[Resource]:
    """A loaded file: new keys inserted, known keys updated in place (their version moves on)."""
    stored: list[Resource] = []
    for resource in resources:
        current = await by_key(conn, resource.key)
        if current is None:
            stored.append(await insert(conn, resource, now))
            continue
        await conn.execute(update(R).where(R.c.id == current.id).values(
            **_values(resource), version=R.c.version + 1, updated_at=now))
        stored.append(replace(resource, id=current.id, version=current.version + 1))
    return stored


async def by_id(conn: AsyncConnection, resource_id: int) -> Resource | None:
    row = (await conn.execute(select(R).where(R.c.id == resource_id))).first()
    return _resource(row) if row else None


async def by_key(conn: AsyncConnection, key: str) -> Resource | None:
    row = (await conn.execute(select(R).where(R.c.key == key))).first()
    return _resource(row) if row else None


async def all_resources(conn: AsyncConnection, *, org_code: str | None = None,
                        include_retired: bool = False) -> list[Resource]:
    query = select(R).order_by(R.c.org_code, R.c.key)
    if org_code is not None:
        query = query.where(R.c.org_code == org_code)
    if not include_retired:
        query = query.where(R.c.active.is_(True))
    return [_resource(r) for r in await conn.execute(query)]
