"""The case conference API: a case's minutes (서식4) recorded and read, a meeting of several
cases with minutes kept per case, the next meeting scheduled, and the 솔루션회의 asked for and
scheduled (서식10). Routes parse, call the core (core/conferences.py, core/solution_meetings.py)
and shape its answer; every read of minutes is audited by the core."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field

from core import conferences as core_conferences
from core import solution_meetings as core_solution
from integrations import conference_notices
from integrations.api.routes import CaseId, Caller, _read, _tx
from state.conferences import Meeting, Request as SolutionRequest
from welfare.conferences import CONTENT_MAX, MAX_ATTENDEES, MAX_CASES_PER_MEETING, TITLE_MAX, Attendee, AttendeeKind

router = APIRouter(prefix="/api", tags=["case conferences"])
MeetingId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]  # ids are 32-bit in the store
OrgCode = Annotated[str, Field(max_length=24)]
DECISIONS = "selection (대상자 선정), service_plan (서비스 제공계획 확정), closure (종결)"


class AttendeeIn(BaseModel):
    org: str = Field(max_length=24, description="organisation code")
    role: str = Field(default="", max_length=40, description="직책")
    name: str = Field(default="", max_length=40, description="이름 (kept encrypted, shown to the case's team only)")


class CaseMinutesIn(BaseModel):
    case_id: int = Field(ge=1, le=2**31 - 1)
    content: str = Field(default="", max_length=CONTENT_MAX, description="서식4 ④ 회의 내용 (screened for danger)")
    decisions: list[str] = Field(default_factory=list, max_length=3, description=DECISIONS)


class ConferenceIn(BaseModel):
    held_on: date | None = Field(default=None, description="the day it was held (default: today in Korea)")
    kind: str = Field(default="integrated", description="internal, integrated or solution")
    title: str = Field(default="", max_length=TITLE_MAX)
    attendees: list[AttendeeIn] = Field(default_factory=list, max_length=MAX_ATTENDEES, description="서식4 ⑦")
    experts: list[AttendeeIn] = Field(default_factory=list, max_length=MAX_ATTENDEES, description="서식4 ⑧")
    internal: list[Id] = Field(default_factory=list, max_length=MAX_ATTENDEES,
                                description="서식4 ⑥ 내부 참석자: member ids of the 읍면동 or 시군구 staff")
    next_meeting_at: datetime | None = Field(default=None, description="서식4 ⑨ (scheduled when the team leader records)")
    meeting_id: int | None = Field(default=None, ge=1, le=2**31 - 1, description="the scheduled meeting now held")


class CaseConferenceIn(ConferenceIn):
    content: str = Field(default="", max_length=CONTENT_MAX)
    decisions: list[str] = Field(default_factory=list, max_length=3, description=DECISIONS)


class MeetingIn(ConferenceIn):
    cases: list[CaseMinutesIn] = Field(min_length=1, max_length=MAX_CASES_PER_MEETING)
    invited_orgs: list[OrgCode] = Field(default_factory=list, max_length=MAX_ATTENDEES)


class ScheduleIn(BaseModel):
    case_ids: list[Id] = Field(min_length=1, max_length=MAX_CASES_PER_MEETING)
    starts_at: datetime = Field(description="a time without zone is Korean time")
    kind: str = "integrated"
    title: str = Field(default="", max_length=TITLE_MAX)
    invited_orgs: list[OrgCode] = Field(default_factory=list, max_length=MAX_ATTENDEES)
    invited_members: list[Id] = Field(default_factory=list, max_length=MAX_ATTENDEES)


class SolutionRequestIn(BaseModel):
    request: str = Field(default="", max_length=CONTENT_MAX, description="서식10 솔루션회의 의뢰내용")


class SolutionScheduleIn(BaseModel):
    starts_at: datetime
    invited_orgs: list[OrgCode] = Field(default_factory=list, max_length=MAX_ATTENDEES)


class MeetingOut(BaseModel):
    id: int
    kind: str
    state: str
    dong_code: str
    held_on: date | None
    starts_at: datetime | None
    case_ids: list[int]
    invited_orgs: list[str]


class MinutesOut(BaseModel):
    id: int
    meeting_id: int
    case_id: int
    round: int
    held_on: date
    kind: str
    agenda: str = Field(description="the case as shared: receipt number and household type")
    title: str
    content: str
    decisions: list[str]
    attendees: list[dict]
    experts: list[dict]
    danger: list[str]
    next_meeting_on: date | None
    external: bool = Field(description="stripped of identifiers for an invited organisation")


class RecordedOut(BaseModel):
    meeting: MeetingOut
    minutes: list[int]
    danger: list[str]
    next_meeting: MeetingOut | None


class MeetingDetail(MeetingOut):
    minutes: list[MinutesOut]


class SolutionRequestOut(BaseModel):
    id: int
    case_id: int
    dong_code: str
    state: str
    meeting_id: int | None
    created_at: datetime


def meeting_out(m: Meeting) -> MeetingOut:
    return MeetingOut(id=m.id, kind=m.kind, state=m.state, dong_code=m.dong_code, held_on=m.held_on,
                      starts_at=m.starts_at, case_ids=list(m.case_ids), invited_orgs=list(m.invited_orgs))


def minutes_out(v: core_conferences.MinutesView) -> MinutesOut:
    m = v.minutes
    return MinutesOut(id=m.id, meeting_id=m.meeting_id, case_id=m.case_id, round=m.round, held_on=m.held_on,
                      kind=v.kind, agenda=v.agenda, title=v.title, content=v.content, decisions=list(m.decisions),
                      attendees=v.attendees, experts=v.experts, danger=list(m.danger),
                      next_meeting_on=m.next_meeting_on, external=v.external)


def request_out(r: SolutionRequest) -> SolutionRequestOut:
    return SolutionRequestOut(id=r.id, case_id=r.case_id, dong_code=r.dong_code, state=r.state,
                              meeting_id=r.meeting_id, created_at=r.created_at)


def _people(body: ConferenceIn) -> tuple[list[Attendee], list[Attendee]]:
    return ([Attendee(a.org, a.role, AttendeeKind.EXTERNAL, a.name) for a in body.attendees],
            [Attendee(a.org, a.role, AttendeeKind.EXPERT, a.name) for a in body.experts])


def recorded_out(r: core_conferences.Recorded) -> RecordedOut:
    return RecordedOut(meeting=meeting_out(r.meeting), minutes=[m.id for m in r.minutes], danger=list(r.danger),
                       next_meeting=meeting_out(r.next_meeting) if r.next_meeting else None)


@router.post("/cases/{case_id}/conferences", response_model=RecordedOut,
             summary="Record a case conference (서식4) with its decisions; a decision of 대상자 선정 meets selection's meeting")
async def record_conference(case_id: CaseId, body: CaseConferenceIn, request: Request, actor: Caller):
    attendees, experts = _people(body)
    async with _tx(request) as work:
        recorded = await core_conferences.record_conference(
            work, actor, case_id, held_on=body.held_on, kind=body.kind, title=body.title, content=body.content,
            decisions=body.decisions, attendees=attendees, experts=experts, next_meeting_at=body.next_meeting_at,
            meeting_id=body.meeting_id, internal=body.internal)
    return recorded_out(recorded)


@router.get("/cases/{case_id}/conferences", response_model=list[MinutesOut],
            summary="A case's minutes (audited); an invited organisation sees them stripped of identifiers")
async def read_conferences(case_id: CaseId, request: Request, actor: Caller):
    async with _tx(request) as work:
        views = await core_conferences.read_minutes(work, actor, case_id)
    return [minutes_out(v) for v in views]


@router.post("/meetings", response_model=RecordedOut,
             summary="Record a meeting of several cases: the minutes are kept per case (L8940)")
async def record_meeting(body: MeetingIn, request: Request, actor: Caller):
    attendees, experts = _people(body)
    items = [core_conferences.CaseItem(c.case_id, c.content, tuple(c.decisions)) for c in body.cases]
    async with _tx(request) as work:
        recorded = await core_conferences.record_meeting(
            work, actor, items, held_on=body.held_on, kind=body.kind, title=body.title, attendees=attendees,
            experts=experts, invited_orgs=body.invited_orgs, next_meeting_at=body.next_meeting_at,
            meeting_id=body.meeting_id, internal=body.internal)
    return recorded_out(recorded)


@router.get("/meetings/{meeting_id}", response_model=MeetingDetail,
            summary="A meeting and each case's minutes, for its attendees (audited)")
async def read_meeting(meeting_id: MeetingId, request: Request, actor: Caller):
    async with _tx(request) as work:
        meeting, views = await core_conferences.read_meeting(work, actor, meeting_id)
    return MeetingDetail(**meeting_out(meeting).model_dump(), minutes=[minutes_out(v) for v in views])


@router.post("/meetings/schedule", response_model=MeetingOut,
             summary="The team leader schedules the next conference; attendees are reminded the day before")
async def schedule_meeting(body: ScheduleIn, request: Request, actor: Caller):
    async with _tx(request) as work:
        meeting = await core_conferences.schedule_conference(
            work, actor, body.case_ids, body.starts_at, kind=body.kind, invited_orgs=body.invited_orgs,
            invited_members=body.invited_members, title=body.title)
    return meeting_out(meeting)


@router.post("/cases/{case_id}/solution-requests", response_model=SolutionRequestOut,
             summary="Ask the 희망복지지원단 for a 솔루션회의 (서식10), after at least one 통합사례회의")
async def request_solution(case_id: CaseId, body: SolutionRequestIn, request: Request, actor: Caller):
    services = request.app.state.services
    async with _tx(request) as work:
        asked = await core_solution.request_solution_meeting(work, actor, case_id, body.request)
        queued = await conference_notices.solution_requested(services, work, asked)
    await conference_notices.deliver(services, queued)
    return request_out(asked.request)


@router.get("/solution-requests", response_model=list[SolutionRequestOut],
            summary="The coordinator's open 솔루션회의 requests (no personal data)")
async def solution_requests(request: Request, actor: Caller, open_only: bool = True):
    async with _read(request) as work:
        found = await core_solution.solution_requests(work, actor, open_only=open_only)
    return [request_out(r) for r in found]


@router.post("/solution-requests/{request_id}/schedule", response_model=MeetingOut,
             summary="The coordinator schedules the 솔루션회의; the requester and invited organisations are reminded")
async def schedule_solution(request_id: MeetingId, body: SolutionScheduleIn, request: Request, actor: Caller):
    async with _tx(request) as work:
        meeting = await core_solution.schedule_solution_meeting(work, actor, request_id, body.starts_at,
                                                                invited_orgs=body.invited_orgs)
    return meeting_out(meeting)
