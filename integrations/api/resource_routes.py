"""The resource directory API (자원 목록, docs/resources.md): search it, and keep your
organisation's entries. Routes parse, call the core (core/resources.py) and shape its answer."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from core import resources as core_resources
from integrations.api.routes import Caller, _read, _tx
from welfare.followup_checklist import DOMAIN_IDS
from welfare.korea_time import kst_today
from welfare.resource_search import Query as ResourceQuery
from welfare.resources import Resource

router = APIRouter(prefix="/api", tags=["resource directory"])
ResourceId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Need = Literal[DOMAIN_IDS]  # type: ignore[valid-type]


class ResourceFields(BaseModel):
    """An entry's fields (HSDS-shaped: organisation, service, area, eligibility, how to ask, capacity)."""

    name: str | None = Field(default=None, max_length=80, description="프로그램·자원 이름")
    kind: Literal["programme", "in_kind"] | None = Field(default=None, description="프로그램 or 현물")
    needs: list[Need] | None = Field(default=None, max_length=11, description="need domains it answers")
    area: list[str] | None = Field(default=None, max_length=500, description="읍면동 codes served (empty: the organisation's area)")
    description: str | None = Field(default=None, max_length=500)
    eligibility: str | None = Field(default=None, max_length=500, description="대상·자격")
    how_to_ask: str | None = Field(default=None, max_length=500, description="신청 방법")
    capacity: str | None = Field(default=None, max_length=80, description="정원·횟수, e.g. 주 1회 30가구")
    waiting_list: bool | None = Field(default=None, description="full now: new households wait")
    last_verified: date | None = Field(default=None, description="default: today in Korea")

    def given(self) -> dict[str, object]:
        values = self.model_dump(exclude_none=True)
        if "last_verified" in values:
            values["last_verified"] = values["last_verified"].isoformat()
        return values


class ResourceIn(ResourceFields):
    key: str = Field(min_length=2, max_length=48, pattern=r"^[a-z0-9][a-z0-9_-]+$", description="stable id")
    org_code: str | None = Field(default=None, max_length=24, description="default: your organisation")
    name: str = Field(max_length=80)
    kind: Literal["programme", "in_kind"]
    needs: list[Need] = Field(min_length=1, max_length=11)


class ResourcePatch(ResourceFields):
    active: bool | None = Field(default=None, description="false retires the entry")
    version: int | None = Field(default=None, ge=1, description="refused (409) if the entry changed since")


class ResourceOut(BaseModel):
    id: int
    key: str
    org_code: str
    org_name: str | None = None
    name: str
    kind: str
    needs: list[str]
    area: list[str]
    description: str
    eligibility: str
    how_to_ask: str
    capacity: str
    waiting_list: bool
    last_verified: date
    stale: bool = Field(description="확인 필요: not verified within the set age")
    active: bool
    version: int


def out(r: Resource, *, stale: bool, org_name: str | None = None) -> ResourceOut:
    return ResourceOut(id=r.id or 0, key=r.key, org_code=r.org_code, org_name=org_name, name=r.name, kind=r.kind.value,
                       needs=list(r.needs), area=list(r.area), description=r.description, eligibility=r.eligibility,
                       how_to_ask=r.how_to_ask, capacity=r.capacity, waiting_list=r.waiting_list,
                       last_verified=r.last_verified, stale=stale, active=r.active, version=r.version)


def _max_age(request: Request) -> int:
    return request.app.state.services.settings.resource_max_age_days


def _invalid(problem: core_resources.InvalidResource) -> JSONResponse:
    return JSONResponse(status_code=422, content={"detail": {"refusal": problem.key, "message": problem.detail}})


@router.get("/resources", response_model=list[ResourceOut],
            summary="Search the resource directory by need domain, 읍면동 (code or name) and words")
async def search(request: Request, actor: Caller, need: Need | None = None,
                 dong: Annotated[str | None, Query(max_length=40)] = None,
                 q: Annotated[str, Query(max_length=200)] = "", fresh: bool = False):
    async with _read(request) as work:
        dong_code = None
        if dong:
            found = work.directory.dong(dong) or next((d for d in work.directory.dongs if d.name == dong), None)
            dong_code = found.code if found else dong  # an unknown 읍면동 finds only entries without an area
        hits = await core_resources.search(work, actor, ResourceQuery(need, dong_code, q),
                                           max_age_days=_max_age(request), fresh_only=fresh)
    return [out(f.resource, stale=f.stale, org_name=f.org_name) for f in hits]


@router.post("/resources", response_model=ResourceOut, responses={422: {"description": "a field does not validate"}},
             summary="Add an entry for your organisation (partner lead) or any of the 시군구 (admin); audited")
async def create(body: ResourceIn, request: Request, actor: Caller):
    values = {**body.given(), "key": body.key}
    if body.org_code:
        values["org_code"] = body.org_code
    try:
        async with _tx(request) as work:
            saved = await core_resources.create(work, actor, values, max_age_days=_max_age(request))
    except core_resources.InvalidResource as problem:
        return _invalid(problem)
    return out(saved, stale=saved.stale(kst_today(work.now), _max_age(request)))


@router.patch("/resources/{resource_id}", response_model=ResourceOut,
              summary="Change, retire or re-verify an entry of your organisation; audited")
async def edit(resource_id: ResourceId, body: ResourcePatch, request: Request, actor: Caller):
    changes = body.given()
    version = changes.pop("version", None)
    try:
        async with _tx(request) as work:
            saved = await core_resources.edit(work, actor, resource_id, changes, expected_version=version,
                                              max_age_days=_max_age(request))
    except core_resources.InvalidResource as problem:
        return _invalid(problem)
    return out(saved, stale=saved.stale(kst_today(work.now), _max_age(request)))


@router.post("/resources/{resource_id}/verify", response_model=ResourceOut,
             summary="✅ 확인했어요: the entry is still right; last_verified becomes today; audited")
async def verify(resource_id: ResourceId, request: Request, actor: Caller):
    async with _tx(request) as work:
        saved = await core_resources.verify(work, actor, resource_id, max_age_days=_max_age(request))
    return out(saved, stale=False)
