"""Registered people: invite codes, registration by Telegram, API tokens for staff."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from state.crypto import FieldCipher
from state.models import ApiToken, Invite, Member, OfficeSession
from welfare.roles import ALL_ROLES, DONG_STAFF_ROLES, REPORTER_ROLES as _REPORTERS, STAFF_ROLES as _STAFF, Role

M, I, A = Member.__table__, Invite.__table__, ApiToken.__table__

# Roles as the store keeps them (strings); the vocabulary is welfare/roles.py.
REPORTER_ROLES = tuple(r.value for r in _REPORTERS)
STAFF_ROLES = tuple(r.value for r in _STAFF)
ROLES = tuple(r.value for r in ALL_ROLES)
INVITE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"


@dataclass(frozen=True, slots=True)
class MemberInfo:
    id: int
    role: str
    dong_code: str | None
    sigungu_code: str | None
    active: bool
    telegram_user_id: int | None = None
    org_code: str | None = None  # a partner organisation's member (welfare/organisations.py)


def _info(row) -> MemberInfo:
    return MemberInfo(row.id, row.role, row.dong_code, row.sigungu_code, row.active, row.telegram_user_id,
                      row.org_code)


async def member_by_id(conn: AsyncConnection, member_id: int) -> MemberInfo | None:
    row = (await conn.execute(select(M).where(M.c.id == member_id, M.c.active.is_(True)))).first()
    return _info(row) if row else None


async def staff_of_dong(conn: AsyncConnection, dong_code: str | None) -> list[MemberInfo]:
    rows = await conn.execute(select(M).where(M.c.dong_code == dong_code, M.c.active.is_(True),
                                              M.c.role.in_([r.value for r in DONG_STAFF_ROLES])).order_by(M.c.id))
    return [_info(r) for r in rows]


async def team_leaders(conn: AsyncConnection, dong_code: str | None) -> list[MemberInfo]:
    return [m for m in await staff_of_dong(conn, dong_code) if m.role == Role.TEAM_LEADER]


_BY_TELEGRAM = select(M).where(M.c.telegram_user_id == bindparam("uid"), M.c.active.is_(True))


async def member_by_telegram(conn: AsyncConnection, telegram_user_id: int) -> MemberInfo | None:
    """Read on every turn (not cached), so a deactivated member is refused at once."""
    row = (await conn.execute(_BY_TELEGRAM, {"uid": telegram_user_id})).first()
    return _info(row) if row else None


async def create_member(conn: AsyncConnection, cipher: FieldCipher, *, role: str, dong_code: str | None,
                        sigungu_code: str | None, now: datetime, display_name: str | None = None,
                        telegram_user_id: int | None = None, org_code: str | None = None) -> int:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    return (await conn.execute(insert(M).returning(M.c.id).values(
        role=role, dong_code=dong_code, sigungu_code=sigungu_code, telegram_user_id=telegram_user_id, org_code=org_code,
        display_name_enc=cipher.encrypt(display_name, "members.display_name"), active=True,
        created_at=now))).scalar_one()


async def deactivate_member(conn: AsyncConnection, member_id: int) -> bool:
    """Removed from staff: access ends at once (every check reads `active`; tokens and web
    office sessions die too)."""
    from state.timeutil import utcnow
    result = await conn.execute(update(M).where(M.c.id == member_id).values(active=False))
    await conn.execute(update(A).where(A.c.member_id == member_id).values(revoked=True))
    sessions = OfficeSession.__table__
    await conn.execute(update(sessions).where(sessions.c.member_id == member_id, sessions.c.ended_at.is_(None))
                       .values(ended_at=utcnow()))
    return bool(result.rowcount)


async def create_invite(conn: AsyncConnection, cipher: FieldCipher, *, role: str, dong_code: str | None,
                        now: datetime, valid_for: timedelta = timedelta(days=14), max_uses: int = 1,
                        org_code: str | None = None) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    code = "".join(secrets.choice(INVITE_ALPHABET) for _ in range(10))
    await conn.execute(insert(I).values(code_hash=cipher.lookup_hash(f"invite:{code}"), role=role,
                                        dong_code=dong_code, org_code=org_code, expires_at=now + valid_for,
                                        max_uses=max_uses,
                                        uses=0, created_at=now))
    return code


async def redeem_invite(conn: AsyncConnection, cipher: FieldCipher, code: str, telegram_user_id: int,
                        sigungu_of, now: datetime) -> MemberInfo | None:
    """Register (or re-register) the Telegram user under the invite's role and 읍면동.
    None for an unknown, used-up or expired code (one answer for all, nothing to probe)."""
    code = code.strip().lower()
    if not code or len(code) > 32:
        return None
    row = (await conn.execute(select(I).where(I.c.code_hash.in_(cipher.lookup_hashes(f"invite:{code}"))))).first()
    if row is None or row.uses >= row.max_uses or row.expires_at < now:
        return None
    await conn.execute(update(I).where(I.c.code_hash == row.code_hash).values(uses=row.uses + 1))
    existing = (await conn.execute(select(M).where(M.c.telegram_user_id == telegram_user_id))).first()
    sigungu = sigungu_of(row.dong_code, row.org_code)
    if existing:
        await conn.execute(update(M).where(M.c.id == existing.id).values(
            role=row.role, dong_code=row.dong_code, sigungu_code=sigungu, org_code=row.org_code, active=True))
        member_id = existing.id
    else:
        member_id = await create_member(conn, cipher, role=row.role, dong_code=row.dong_code,
                                        sigungu_code=sigungu, now=now, telegram_user_id=telegram_user_id,
                                        org_code=row.org_code)
    return MemberInfo(member_id, row.role, row.dong_code, sigungu, True, telegram_user_id, row.org_code)


async def members_of_org(conn: AsyncConnection, org_code: str, roles: tuple[str, ...] | None = None) -> list[MemberInfo]:
    query = select(M).where(M.c.org_code == org_code, M.c.active.is_(True)).order_by(M.c.id)
    if roles is not None:
        query = query.where(M.c.role.in_(roles))
    return [_info(r) for r in await conn.execute(query)]


async def coordinators(conn: AsyncConnection, sigungu_code: str | None) -> list[MemberInfo]:
    rows = await conn.execute(select(M).where(M.c.sigungu_code == sigungu_code, M.c.active.is_(True),
                                              M.c.role == Role.COORDINATOR.value).order_by(M.c.id))
    return [_info(r) for r in rows]


TOKEN_VALIDITY = timedelta(days=90)


async def create_api_token(conn: AsyncConnection, cipher: FieldCipher, member_id: int, now: datetime,
                           label: str = "", valid_for: timedelta = TOKEN_VALIDITY) -> str:
    token = "sp_" + secrets.token_urlsafe(32)
    await conn.execute(insert(A).values(token_hash=cipher.lookup_hash(f"token:{token}"), member_id=member_id,
                                        label=label, created_at=now, revoked=False, expires_at=now + valid_for))
    return token


async def member_by_token(conn: AsyncConnection, cipher: FieldCipher, token: str,
                          now: datetime | None = None) -> MemberInfo | None:
    """The active member an unrevoked, unexpired token belongs to (a token without an expiry never matches)."""
    from state.timeutil import utcnow
    row = (await conn.execute(select(M).join(A, A.c.member_id == M.c.id).where(
        A.c.token_hash.in_(cipher.lookup_hashes(f"token:{token}")), A.c.revoked.is_(False),
        A.c.expires_at > (now or utcnow()), M.c.active.is_(True)))).first()
    return _info(row) if row else None


async def revoke_api_token(conn: AsyncConnection, cipher: FieldCipher, token: str) -> int:
    result = await conn.execute(update(A).where(A.c.token_hash.in_(cipher.lookup_hashes(f"token:{token}")),
                                                A.c.revoked.is_(False)).values(revoked=True))
    return result.rowcount or 0


async def revoke_member_tokens(conn: AsyncConnection, member_id: int) -> int:
    result = await conn.execute(update(A).where(A.c.member_id == member_id, A.c.revoked.is_(False))
                                .values(revoked=True))
    return result.rowcount or 0
