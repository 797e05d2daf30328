"""/office in Telegram: a staff member gets a single-use sign-in link to the web office in their
private chat (never in a group, where others could use it first). Who may is the core's."""
from __future__ import annotations

from typing import TYPE_CHECKING

from core import office_access
from core.actor import Actor
from core.refusals import Refused
from core.work import Work
from dialogs.replies import Msg, Reply
from state.office_sessions import LINK_VALIDITY

if TYPE_CHECKING:
    from bot.effects import EffectEnv, EffectResult

SIGN_IN_PATH = "/office/sign-in/"


def sign_in_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}{SIGN_IN_PATH}{token}"


async def handle(work: Work, actor: Actor, env: EffectEnv, result: EffectResult) -> None:
    if not env.private:
        result.replies.append(Reply((Msg("office.link.private_only"),)))
        return
    try:
        token = await office_access.sign_in_link(work, actor)
    except Refused as refused:
        result.replies.append(Reply((Msg(refused.key),)))
        return
    minutes = int(LINK_VALIDITY.total_seconds() // 60)
    result.replies.append(Reply((Msg("office.link.sent", {"url": sign_in_url(env.settings.office_base_url, token),
                                                          "minutes": minutes}),)))
