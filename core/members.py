"""Registration: a person redeems an invite code and becomes a member with its role and 읍면동."""
from __future__ import annotations

from core import audit_trail
from core.actor import Actor, member_actor
from core.work import Work
from state import members as member_store
from state import organisations as org_store


async def register_by_invite(work: Work, actor: Actor, code: str, telegram_user_id: int) -> Actor | None:
    """The new member as an actor, or None for an unknown, used-up or expired code (one answer
    for all, so codes cannot be probed)."""
    orgs = await org_store.read_organisations(work.conn)

    def sigungu_of(dong_code: str | None, org_code: str | None = None) -> str | None:
        dong = work.directory.dong(dong_code or "")
        org = orgs.get(org_code)
        return dong.sigungu_code if dong else org.sigungu_code if org else None

    info = await member_store.redeem_invite(work.conn, work.cipher, code, telegram_user_id, sigungu_of, work.now)
    if info is None:
        return None
    registered = member_actor(info, work.directory, actor.channel, chat_id=actor.chat_id, private=actor.private)
    await audit_trail.write(work, registered, "register", f"member:{info.id}",
                            {"role": info.role, "dong": info.dong_code, "org": info.org_code})
    return registered
