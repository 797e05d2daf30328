"""Sign-in links and sessions of the web office, in the store. Data access only: who may sign
in is the application core's question (core/office_access.py). Tokens and session ids are kept
as keyed hashes (state/crypto.py), so a database reader cannot sign in as anyone."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from state.crypto import FieldCipher
from state.members import MemberInfo, _info
from state.models import Member, OfficeSession, OfficeSignInLink

L, S, M = OfficeSignInLink.__table__, OfficeSession.__table__, Member.__table__
LINK_VALIDITY = timedelta(minutes=10)
SESSION_VALIDITY = timedelta(hours=9)  # a working day at the desk; then a new link


def _link_hashes(cipher: FieldCipher, token: str) -> list[str]:
    return cipher.lookup_hashes(f"office-link:{token}")


def _session_hashes(cipher: FieldCipher, session_id: str) -> list[str]:
    return cipher.lookup_hashes(f"office-session:{session_id}")


async def create_link(conn: AsyncConnection, cipher: FieldCipher, member_id: int, now: datetime,
                      valid_for: timedelta = LINK_VALIDITY) -> str:
    token = secrets.token_urlsafe(32)
    await conn.execute(insert(L).values(token_hash=cipher.lookup_hash(f"office-link:{token}"), member_id=member_id,
                                        created_at=now, expires_at=now + valid_for, used_at=None))
    return token


async def spend_link(conn: AsyncConnection, cipher: FieldCipher, token: str, now: datetime) -> MemberInfo | None:
    """The active member a valid link belongs to, marking it used in the same statement (two
    browsers racing on one link: one wins). None for unknown, used or expired links alike."""
    if not token or len(token) > 100:
        return None
    row = (await conn.execute(select(L.c.token_hash, L.c.member_id).where(
        L.c.token_hash.in_(_link_hashes(cipher, token)), L.c.used_at.is_(None), L.c.expires_at > now))).first()
    if row is None:
        return None
    spent = await conn.execute(update(L).where(L.c.token_hash == row.token_hash, L.c.used_at.is_(None))
                               .values(used_at=now))
    if not spent.rowcount:
        return None
    member = (await conn.execute(select(M).where(M.c.id == row.member_id, M.c.active.is_(True)))).first()
    return _info(member) if member else None


async def create_session(conn: AsyncConnection, cipher: FieldCipher, member_id: int, now: datetime,
                         valid_for: timedelta = SESSION_VALIDITY) -> str:
    session_id = secrets.token_urlsafe(32)
    await conn.execute(insert(S).values(session_hash=cipher.lookup_hash(f"office-session:{session_id}"),
                                        member_id=member_id, created_at=now, expires_at=now + valid_for,
                                        ended_at=None))
    return session_id


async def session_member(conn: AsyncConnection, cipher: FieldCipher, session_id: str,
                         now: datetime) -> MemberInfo | None:
    """Read on every request: the session must be open and unexpired and its member active."""
    row = (await conn.execute(select(M).join(S, S.c.member_id == M.c.id).where(
        S.c.session_hash.in_(_session_hashes(cipher, session_id)), S.c.ended_at.is_(None), S.c.expires_at > now,
        M.c.active.is_(True)))).first()
    return _info(row) if row else None


async def end_session(conn: AsyncConnection, cipher: FieldCipher, session_id: str, now: datetime) -> bool:
    result = await conn.execute(update(S).where(S.c.session_hash.in_(_session_hashes(cipher, session_id)),
                                                S.c.ended_at.is_(None)).values(ended_at=now))
    return bool(result.rowcount)


async def end_member_sessions(conn: AsyncConnection, member_id: int, now: datetime) -> int:
    result = await conn.execute(update(S).where(S.c.member_id == member_id, S.c.ended_at.is_(None))
                                .values(ended_at=now))
    return result.rowcount or 0
