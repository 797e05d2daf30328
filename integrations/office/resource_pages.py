"""The resource directory in the web office (자원 목록): search by need domain, 읍면동 and words
for every staff role (partners too); entries not verified within the set age are marked
"확인 필요". A partner lead edits and re-verifies (✅ 확인했어요, one press) their own
organisation's entries, the 시군구 admin any of the 시군구's. Every search and change is a call
of core/resources.py, which checks (EDIT_RESOURCE is audited even when refused) and audits."""
from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from core import resources as core_resources
from integrations.office import guard
from integrations.office.rendering import page
from welfare.followup_checklist import DOMAIN_IDS
from welfare.korea_time import kst_today
from welfare.resource_search import Query as ResourceQuery

router = APIRouter()
ResourceId = Annotated[int, Path(ge=1, le=2**31 - 1)]
# The fields a desk form changes (the key, organisation and area stay as the file or the API set them).
TEXT_FIELDS = {"name": 80, "description": 500, "eligibility": 500, "how_to_ask": 500, "capacity": 80}
NOTES = {"saved", "verified"}
SHOWN = 50  # a page of results; more words or a 동 narrow it


def _max_age(request: Request) -> int:
    return request.app.state.services.settings.resource_max_age_days


def _dong_code(work, dong: str) -> str | None:
    """A 읍면동 by code or by its Korean name (as the API and /resources take it)."""
    if not dong:
        return None
    found = work.directory.dong(dong) or next((d for d in work.directory.dongs if d.name == dong), None)
    return found.code if found else dong  # an unknown 읍면동 finds only entries without an area


@router.get("/office/resources")
async def search(request: Request, need: str = "", dong: str = "", q: str = "", done: str = "") -> Response:
    who = await guard.caller(request)
    need = need if need in DOMAIN_IDS else ""
    q, dong = q[:200], dong[:40]
    async with guard.read(request) as work:
        hits = await core_resources.search(work, who.actor, ResourceQuery(need or None, _dong_code(work, dong), q),
                                           max_age_days=_max_age(request))
        editable = await core_resources.editable(work, who.actor, [f.resource for f in hits])
        today = kst_today(work.now)
    dongs = sorted(work.directory.dongs, key=lambda d: d.name)
    return page(request, "resources.html", actor=who.actor, csrf=who.csrf, hits=hits[:SHOWN],
                more=max(0, len(hits) - SHOWN),
                need=need, dong_asked=dong, q=q, needs=DOMAIN_IDS, dongs=dongs, editable=editable, today=today,
                max_age=_max_age(request), done=done if done in NOTES else "")


@router.get("/office/resources/{resource_id}/edit")
async def edit_form(resource_id: ResourceId, request: Request) -> Response:
    who = await guard.caller(request)
    async with guard.tx(request) as work:
        entry = await core_resources.for_editing(work, who.actor, resource_id)  # refused (and audited) if not theirs
    return page(request, "resource_edit.html", actor=who.actor, csrf=who.csrf, r=entry, fields=TEXT_FIELDS,
                needs=DOMAIN_IDS, problem="")


def _changes(fields: dict[str, list[str]]) -> dict[str, object]:
    changes: dict[str, object] = {name: guard.one(fields, name).strip()[:limit + 1]
                                  for name, limit in TEXT_FIELDS.items()}
    changes["needs"] = [n for n in fields.get("needs", []) if n in DOMAIN_IDS]
    changes["waiting_list"] = guard.one(fields, "waiting_list") == "1"
    changes["active"] = guard.one(fields, "retire") != "1"
    return changes


def _version(fields: dict[str, list[str]]) -> int | None:
    value = guard.one(fields, "version")
    return int(value) if value.isdigit() and len(value) < 10 else None


@router.post("/office/resources/{resource_id}")
async def edit(resource_id: ResourceId, request: Request) -> Response:
    fields: dict[str, list[str]] = {}
    try:
        async with guard.tx(request) as work:
            who, fields = await guard.posted(request, work)
            await core_resources.edit(work, who.actor, resource_id, _changes(fields),
                                      expected_version=_version(fields), max_age_days=_max_age(request))
    except core_resources.InvalidResource as problem:
        # Keep what was typed and say which field: the entry is shown again, nothing saved.
        async with guard.tx(request) as work:
            entry = await core_resources.for_editing(work, who.actor, resource_id)
        return page(request, "resource_edit.html", status=422, actor=who.actor, csrf=who.csrf, r=entry,
                    fields=TEXT_FIELDS, needs=DOMAIN_IDS, problem=problem.detail.split(":")[0])
    return RedirectResponse("/office/resources?done=saved", status_code=303)


@router.post("/office/resources/{resource_id}/verify")
async def verify(resource_id: ResourceId, request: Request) -> Response:
    """✅ 확인했어요: one press, the entry is still right; refused if it changed since it was shown."""
    async with guard.tx(request) as work:
        who, fields = await guard.posted(request, work)
        await core_resources.verify(work, who.actor, resource_id, expected_version=_version(fields),
                                    max_age_days=_max_age(request))
    # Back to the same search: only its three fields are carried, re-encoded here.
    asked = parse_qs(guard.one(fields, "back").lstrip("?")[:600])
    query = {k: asked[k][0][:200] for k in ("need", "dong", "q") if asked.get(k, [""])[0]}
    return RedirectResponse(f"/office/resources?{urlencode({**query, 'done': 'verified'})}", status_code=303)

