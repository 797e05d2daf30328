"""The resource directory on Telegram: `/resources 반찬 청운효자동` searches it (the 읍면동 by its
name, the rest as words for the finder's analyser), and ✅ 확인했어요 on a stale reminder
re-verifies an entry in one tap. Entries carry no personal data, so both may be used in a group
chat. Who may is the core's question (core/resources.py)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from core import resources as core_resources
from core.actor import Actor
from core.refusals import Refused, RefusalKind
from core.work import Work
from dialogs import callback_data as cb
from dialogs.replies import Button, Msg, Reply
from welfare.directory import Directory
from welfare.resource_search import Query
from welfare.resources import Found, Resource

if TYPE_CHECKING:
    from bot.effects import EffectEnv, EffectResult

SHOWN = 8  # a phone screen of entries; the words or the 동 narrow it further


def parse_query(text: str, directory: Directory) -> Query:
    """Words and a 읍면동 named among them ("청운효자동", or "청운효자" without 동)."""
    by_name = {d.name: d.code for d in directory.dongs}
    by_name.update({d.name.removesuffix("동"): d.code for d in directory.dongs if len(d.name) > 2})
    dong, words = None, []
    for token in text.split():
        if dong is None and token in by_name:
            dong = by_name[token]
        else:
            words.append(token)
    return Query(dong_code=dong, text=" ".join(words))


def entry_lines(found: Found, directory: Directory) -> list[Msg]:
    r = found.resource
    area = ", ".join(d.name for code in r.area if (d := directory.dong(code))) if r.area else None
    lines = [Msg("resource.item", {"name": r.name, "org": found.org_name, "kind": Msg(r.kind.label_key)})]
    if found.stale:
        lines.append(Msg("resource.item.stale", {"date": r.last_verified.isoformat()}))
    if r.description:
        lines.append(Msg("resource.item.description", {"value": r.description}))
    if area:
        lines.append(Msg("resource.item.area", {"value": area}))
    if r.eligibility:
        lines.append(Msg("resource.item.eligibility", {"value": r.eligibility}))
    if r.how_to_ask:
        lines.append(Msg("resource.item.how_to_ask", {"value": r.how_to_ask}))
    if r.waiting_list:
        lines.append(Msg("resource.item.waiting_list"))
    elif r.capacity:
        lines.append(Msg("resource.item.capacity", {"value": r.capacity}))
    return lines


async def show(work: Work, actor: Actor, text: str, env: EffectEnv, result: EffectResult) -> None:
    query = parse_query(text.strip(), work.directory)
    if not text.strip():
        core_resources.require_search(actor)  # the usage only for those who may search at all
        result.replies.append(Reply((Msg("resource.usage"),)))
        return
    found = await core_resources.search(work, actor, query, max_age_days=env.settings.resource_max_age_days)
    dong = work.directory.dong(query.dong_code) if query.dong_code else None
    where = dong.name if dong else Msg("resource.anywhere")
    if not found:
        result.replies.append(Reply((Msg("resource.none", {"query": query.text or "-", "dong": where}),)))
        return
    lines = [Msg("resource.title", {"count": len(found), "query": query.text or "-", "dong": where})]
    for f in found[:SHOWN]:
        lines += entry_lines(f, work.directory)
    if len(found) > SHOWN:
        lines.append(Msg("resource.more", {"count": len(found) - SHOWN}))
    result.replies.append(Reply(tuple(lines)))


async def button(work: Work, actor: Actor, value: str, env: EffectEnv, result: EffectResult) -> None:
    pressed = cb.parse_resource_button(value)
    if pressed is None:
        raise Refused(RefusalKind.INVALID, "case.error.unknown_button")
    verified = await core_resources.verify(work, actor, pressed.resource, expected_version=pressed.version,
                                           max_age_days=env.settings.resource_max_age_days)
    result.replies.append(Reply((Msg("resource.verified", {"name": verified.name,
                                                           "date": verified.last_verified.isoformat()}),)))


async def show_local(work: Work, actor: Actor, command, env: EffectEnv, result: EffectResult) -> None:
    """The finder's 동네 자원 section, when there is anything verified to show (else nothing)."""
    found = await core_resources.local_for_residents(work, actor, command.needs, command.dong_code,
                                                     max_age_days=env.settings.resource_max_age_days)
    dong = work.directory.dong(command.dong_code)
    if not found or dong is None:
        return
    lines = [Msg("resource.local.title", {"dong": dong.name})]
    for f in found:
        lines += entry_lines(f, work.directory)
    result.replies.append(Reply(tuple(lines)))


def reminder(resource: Resource, org_name: str) -> Reply:
    """The stale reminder to the owning organisation (its group chat or its leads): the entry's
    name and date only — an entry has no personal data — and the one-tap re-verification."""
    return Reply((Msg("resource.reminder", {"name": resource.name, "org": org_name,
                                            "date": resource.last_verified.isoformat()}),),
                 ((Button(cb.resource_button("verify", resource.id or 0, resource.version), Msg("resource.verify")),),),
                 expects="choice")
