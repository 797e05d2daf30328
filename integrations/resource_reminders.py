"""The stale reminder of a resource-directory entry (core/resources.py): when an entry turns
older than the set age, its organisation's group chat — or, without one, its partner leads —
gets the entry's name and last date with ✅ 확인했어요. An entry has no personal data, so a
group may get it. A timer made for an older version (the entry was edited or re-verified since)
does nothing."""
from __future__ import annotations

from collections.abc import Iterable

from bot.resources import reminder
from core import resources as core_resources
from core.work import Work
from dialogs.replies import Reply
from state import members as member_store
from state import organisations as org_store
from state import timers
from welfare.roles import Role


async def messages_for(services, conn, timer: timers.DueTimer, now) -> Iterable[tuple[int, Reply]]:
    work = Work(services.db, conn, services.cipher, services.runner.directory, now)
    resource = await core_resources.due_reminder(work, int(timer.subject.split(":")[1]), timer.version,
                                                 services.settings.resource_max_age_days)
    if resource is None:
        return []
    org = (await org_store.read_organisations(conn)).get(resource.org_code)
    reply = reminder(resource, org.name if org else resource.org_code)
    if org is not None and org.chat_id:
        return [(org.chat_id, reply)]
    leads = await member_store.members_of_org(conn, resource.org_code, (Role.PARTNER_LEAD.value,))
    return [(m.telegram_user_id, reply) for m in leads if m.telegram_user_id]
