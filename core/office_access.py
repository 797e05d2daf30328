"""Signing in to the web office without a password: a staff member asks for a link (the bot's
/office in their private chat, or `salpim admin login-link` the first time), the link is spent
once within minutes, and it opens a server-side session bound to the member. Every request
reads the session and the member again, so signing out, expiry or deactivation end access at
once. Who may sign in at all is the one table's (Action.OPEN_OFFICE)."""
from __future__ import annotations

from dataclasses import dataclass

from core import audit_trail
from core.actor import Actor, Channel, member_actor
from core.permissions import Action, check, may
from core.work import Work
from state import office_sessions


@dataclass(frozen=True, slots=True)
class SignedIn:
    session_id: str  # for the browser's cookie only: the store keeps its keyed hash
    actor: Actor


async def sign_in_link(work: Work, actor: Actor) -> str:
    """A new single-use link token for the acting member (refused for anyone else)."""
    check(actor, Action.OPEN_OFFICE)
    assert actor.member_id is not None
    token = await office_sessions.create_link(work.conn, work.cipher, actor.member_id, work.now)
    await audit_trail.write(work, actor, "office_link", f"member:{actor.member_id}")
    return token


async def redeem(work: Work, token: str) -> SignedIn | None:
    """A session for the link's member; None for a link unknown, used, expired, or of someone
    who may no longer sign in (one answer for all)."""
    member = await office_sessions.spend_link(work.conn, work.cipher, token, work.now)
    actor = member_actor(member, work.directory, Channel.OFFICE)
    if member is None or not may(actor, Action.OPEN_OFFICE):
        return None
    session_id = await office_sessions.create_session(work.conn, work.cipher, member.id, work.now)
    await audit_trail.write(work, actor, "sign_in", f"member:{member.id}")
    return SignedIn(session_id, actor)


async def session_actor(work: Work, session_id: str) -> Actor | None:
    """The actor of an open session, or None (ended, expired, or its member deactivated)."""
    member = await office_sessions.session_member(work.conn, work.cipher, session_id, work.now)
    actor = member_actor(member, work.directory, Channel.OFFICE)
    return actor if member is not None and may(actor, Action.OPEN_OFFICE) else None


async def sign_out(work: Work, actor: Actor, session_id: str) -> None:
    if await office_sessions.end_session(work.conn, work.cipher, session_id, work.now):
        await audit_trail.write(work, actor, "sign_out", f"member:{actor.member_id}")
