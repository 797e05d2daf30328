"""The resource directory (자원 목록) through the core: searching it (every staff role, partners
too: no personal data, so searches are not audited), and keeping it — partner leads their own
organisation's entries, the 시군구 admin every entry of their 시군구 (core/permissions.py
EDIT_RESOURCE). Every change is audited; a refused change to another organisation's entry is
audited as the core audits refused reads. Each save schedules the entry's stale reminder: a
durable timer for the day it turns older than the set age (welfare/resources.py), made for that
version of the entry, so a re-verification in between makes it do nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from core import audit_trail
from core.actor import SYSTEM, Actor
from core.permissions import Action, check, may, require_role
from core.refusals import Refused, RefusalKind, conflict
from core.work import Work
from state import organisations as org_store
from state import resources as store
from state import timers
from welfare.korea_time import kst_moment, kst_today
from welfare.organisations import Organisations
from welfare.resource_search import Query, search as search_entries
from welfare.resources import DEFAULT_MAX_AGE_DAYS, Found, Resource, as_values, build, edited

NO_SUCH_RESOURCE = "resource.error.no_such_resource"
CHANGED_MEANWHILE = "resource.error.changed"
BAD_ENTRY = "resource.error.invalid"
REMIND_AT = time(10, 0)  # the stale reminder comes at 10:00 KST, in working hours


class InvalidResource(Refused):
    """An entry that does not validate; `detail` names the field (no personal data in it)."""

    def __init__(self, detail: str) -> None:
        super().__init__(RefusalKind.INVALID, BAD_ENTRY)
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Suggestion:
    """An organisation that can take a need in a 읍면동, with the entry that says so."""

    org_code: str
    org_name: str
    resource: Resource


async def _known(work: Work) -> tuple[Organisations, dict[str, set[str] | None]]:
    orgs = await org_store.read_organisations(work.conn)
    return orgs, {"known_orgs": {o.code for o in orgs.all}, "known_dongs": {d.code for d in work.directory.dongs}}


async def search(work: Work, actor: Actor, query: Query, *, max_age_days: int = DEFAULT_MAX_AGE_DAYS,
                 fresh_only: bool = False) -> list[Found]:
    require_role(actor, Action.SEARCH_RESOURCES)
    orgs = await org_store.read_organisations(work.conn)
    return search_entries(await store.all_resources(work.conn), query, org_names={o.code: o.name for o in orgs.all},
                          org_areas={o.code: o.area for o in orgs.all}, today=kst_today(work.now),
                          max_age_days=max_age_days, fresh_only=fresh_only)


async def suggestions(work: Work, needs: tuple[str, ...] | list[str], dong_code: str | None, sigungu_code: str | None,
                      *, max_age_days: int = DEFAULT_MAX_AGE_DAYS) -> dict[str, list[Suggestion]]:
    """Who can take this? Per need, the organisations of the 시군구 with a verified (non-stale)
    entry for it serving the case's 읍면동 — one per organisation, with its best entry. For the
    referral dialog, whose opening the core has already authorised (REFER); entries carry no
    personal data."""
    orgs = await org_store.read_organisations(work.conn)
    ours = {o.code: o for o in orgs.all if o.sigungu_code == sigungu_code}
    entries = [r for r in await store.all_resources(work.conn) if r.org_code in ours]
    found: dict[str, list[Suggestion]] = {}
    for need in needs:
        best: dict[str, Suggestion] = {}
        for f in search_entries(entries, Query(need=need, dong_code=dong_code),
                                org_names={c: o.name for c, o in ours.items()},
                                org_areas={c: o.area for c, o in ours.items()}, today=kst_today(work.now),
                                max_age_days=max_age_days, fresh_only=True):
            best.setdefault(f.resource.org_code, Suggestion(f.resource.org_code, f.org_name, f.resource))
        found[need] = list(best.values())
    return found


async def _owner_check(work: Work, actor: Actor, orgs: Organisations, org_code: str, subject: str) -> None:
    """EDIT_RESOURCE on an organisation's entry: a refusal of someone whose role may edit (a
    partner lead reaching for another organisation's entry) is audited."""
    require_role(actor, Action.EDIT_RESOURCE)
    org = orgs.get(org_code)
    try:
        check(actor, Action.EDIT_RESOURCE, org_code=org_code, sigungu_code=org.sigungu_code if org else None,
              missing=NO_SUCH_RESOURCE)
    except Refused as refused:
        raise await audit_trail.denied(work, actor, subject, refused, action="denied_edit") from None


async def editable(work: Work, actor: Actor, entries: list[Resource]) -> set[int]:
    """Which of these entries the actor may change (the web office shows their edit and ✅
    buttons); the same check as `edit`, asked quietly: nothing is refused or audited here."""
    if not may(actor, Action.EDIT_RESOURCE):
        return set()
    orgs = await org_store.read_organisations(work.conn)
    found = set()
    for r in entries:
        org = orgs.get(r.org_code)
        try:
            check(actor, Action.EDIT_RESOURCE, org_code=r.org_code, sigungu_code=org.sigungu_code if org else None,
                  missing=NO_SUCH_RESOURCE)
        except Refused:
            continue
        found.add(r.id or 0)
    return found


async def for_editing(work: Work, actor: Actor, resource_id: int) -> Resource:
    """An entry as its edit form shows it, for someone who may change it (a refusal of another
    organisation's entry is audited, as `edit` audits it)."""
    require_role(actor, Action.EDIT_RESOURCE)
    current = await _load(work, resource_id)
    orgs = await org_store.read_organisations(work.conn)
    await _owner_check(work, actor, orgs, current.org_code, f"resource:{resource_id}")
    return current


async def _schedule_reminder(work: Work, resource: Resource, max_age_days: int) -> None:
    due = max(kst_moment(resource.stale_on(max_age_days), REMIND_AT), work.now)
    await timers.schedule(work.db, work.conn, kind=timers.TimerKind.RESOURCE_STALE, subject=f"resource:{resource.id}",
                          version=resource.version, due_at=due, payload={"org": resource.org_code})


def _validated(make) -> Resource:
    try:
        return make()
    except ValueError as exc:
        raise InvalidResource(str(exc)) from None


async def create(work: Work, actor: Actor, values: dict[str, object], *,
                 max_age_days: int = DEFAULT_MAX_AGE_DAYS) -> Resource:
    """A new entry. A partner lead's is their organisation's (org_code may be left out); it is
    verified today unless the values say when."""
    require_role(actor, Action.EDIT_RESOURCE)
    orgs, known = await _known(work)
    values = {"last_verified": kst_today(work.now).isoformat(), **values}
    if not values.get("org_code") and actor.org_code:
        values["org_code"] = actor.org_code
    org_code = str(values.get("org_code") or "")
    if not org_code:
        raise InvalidResource("org_code: missing")
    await _owner_check(work, actor, orgs, org_code, f"org:{org_code}")
    resource = _validated(lambda: build(values, **known))
    if await store.by_key(work.conn, resource.key) is not None:
        raise conflict("resource.error.key_taken")
    saved = await store.insert(work.conn, resource, work.now)
    await audit_trail.write(work, actor, "resource_create", f"resource:{saved.id}",
                            {"org": saved.org_code, "key": saved.key, "needs": list(saved.needs)})
    await _schedule_reminder(work, saved, max_age_days)
    return saved


async def _load(work: Work, resource_id: int) -> Resource:
    found = await store.by_id(work.conn, resource_id)
    if found is None:
        raise Refused(RefusalKind.NOT_FOUND, NO_SUCH_RESOURCE)
    return found


async def edit(work: Work, actor: Actor, resource_id: int, changes: dict[str, object], *,
               expected_version: int | None = None, max_age_days: int = DEFAULT_MAX_AGE_DAYS,
               audit_as: str = "resource_edit") -> Resource:
    """Change an entry (retire it with active = false). Saying it is still right is an edit too
    (`verify`). `expected_version`: refused if someone changed it since it was shown."""
    require_role(actor, Action.EDIT_RESOURCE)
    current = await _load(work, resource_id)
    orgs, known = await _known(work)
    await _owner_check(work, actor, orgs, current.org_code, f"resource:{resource_id}")
    if expected_version is not None and expected_version != current.version:
        raise conflict(CHANGED_MEANWHILE)
    new = _validated(lambda: edited(current, changes, **known))
    saved = await store.save(work.conn, new, current.version, work.now)
    if saved is None:
        raise conflict(CHANGED_MEANWHILE)
    await audit_trail.write(work, actor, audit_as, f"resource:{saved.id}",
                            {"org": saved.org_code, "fields": sorted(changes), "version": saved.version})
    if saved.active:
        await _schedule_reminder(work, saved, max_age_days)
    return saved


async def verify(work: Work, actor: Actor, resource_id: int, *, expected_version: int | None = None,
                 max_age_days: int = DEFAULT_MAX_AGE_DAYS) -> Resource:
    """✅ 확인했어요: the entry is still right as it stands; `last_verified` becomes today."""
    return await edit(work, actor, resource_id, {"last_verified": kst_today(work.now).isoformat()},
                      expected_version=expected_version, max_age_days=max_age_days, audit_as="resource_verify")


async def load_file(work: Work, resources: list[Resource], *, actor: Actor = SYSTEM,
                    max_age_days: int = DEFAULT_MAX_AGE_DAYS) -> list[Resource]:
    """A checked file (welfare/resources.py parse_file), loaded by the operator (`salpim
    load-resources`): entries upserted by key, one audit entry for the load."""
    orgs, known = await _known(work)
    for r in resources:  # checked again against this store's organisations and 읍면동
        _validated(lambda r=r: build(as_values(r), **known))
    stored = await store.upsert_many(work.db, work.conn, resources, work.now)
    await audit_trail.write(work, actor, "resources_loaded", "resource_directory",
                            {"count": len(stored), "orgs": sorted({r.org_code for r in stored})})
    for r in stored:
        if r.active:
            await _schedule_reminder(work, r, max_age_days)
    return stored


async def export(work: Work, actor: Actor = SYSTEM) -> list[Resource]:
    """Every entry, retired ones too (`salpim export-resources`): no personal data."""
    if actor is not SYSTEM:
        require_role(actor, Action.SEARCH_RESOURCES)
    return await store.all_resources(work.conn, include_retired=True)


async def due_reminder(work: Work, resource_id: int, version: int,
                       max_age_days: int = DEFAULT_MAX_AGE_DAYS) -> Resource | None:
    """The entry a fired stale timer is about, if it is still that version, active and stale."""
    found = await store.by_id(work.conn, resource_id)
    if found is None or found.version != version or not found.active:
        return None
    return found if found.stale(kst_today(work.now), max_age_days) else None



LOCAL_SHOWN = 5  # a short section under the finder's results, not a second list


async def local_for_residents(work: Work, actor: Actor, needs: tuple[str, ...], dong_code: str, *,
                              max_age_days: int = DEFAULT_MAX_AGE_DAYS) -> list[Found]:
    """The finder's 동네 자원: verified (non-stale) entries of these needs serving this 읍면동, the
    organisations of its 시군구 only. Entries have no personal data, and nothing of the person is
    kept or audited by looking."""
    require_role(actor, Action.FIND_LOCAL_RESOURCES)
    dong = work.directory.dong(dong_code)
    if dong is None or not needs:
        return []
    orgs = {o.code: o for o in (await org_store.read_organisations(work.conn)).all
            if o.sigungu_code == dong.sigungu_code}
    entries = [r for r in await store.all_resources(work.conn) if r.org_code in orgs]
    found: dict[str, Found] = {}
    for need in needs:
        for f in search_entries(entries, Query(need=need, dong_code=dong_code),
                                org_names={c: o.name for c, o in orgs.items()},
                                org_areas={c: o.area for c, o in orgs.items()}, today=kst_today(work.now),
                                max_age_days=max_age_days, fresh_only=True):
            found.setdefault(f.resource.key, f)
    return list(found.values())[:LOCAL_SHOWN]


def require_search(actor: Actor) -> None:
    require_role(actor, Action.SEARCH_RESOURCES)
