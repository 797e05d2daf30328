"""Changes to the 읍면동 directory that Telegram tells us about: a team group that became a
supergroup keeps receiving alerts under its new id, and the change is on the audit log."""
from __future__ import annotations

from core import audit_trail
from core.actor import SYSTEM, Actor
from core.work import Work
from state.directory_store import move_team_chat


async def team_chat_migrated(work: Work, old_chat_id: int, new_chat_id: int, actor: Actor = SYSTEM) -> list[str]:
    """The 읍면동 codes whose team chat moved (group chat ids are not personal data)."""
    codes = await move_team_chat(work.conn, old_chat_id, new_chat_id)
    for code in codes:
        await audit_trail.write(work, actor, "team_chat_migrated", f"dong:{code}",
                                {"old_chat_id": old_chat_id, "new_chat_id": new_chat_id})
    return codes
