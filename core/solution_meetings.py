"""솔루션회의 (서식10/11): the 읍면동 asks the 시군구 희망복지지원단 to hold one on a case that
needs more than its 통합사례회의 could give (after at least one, L8848–8856); the coordinator
sees the requests of the 시군구 and schedules the meeting, which the 희망복지지원단 팀장 chairs
(L9016–9022). The request's text is encrypted; lists carry no personal data."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core import audit_trail
from core.actor import Actor
from core.conferences import _schedule
from core.permissions import Action, check, require_role, visible_dongs
from core.refusals import NO_SUCH_CASE, conflict, invalid, not_found
from core.work import Work
from state import cases
from state import conferences as store
from state import members as member_store
from welfare.conferences import CONTENT_MAX, MeetingKind
from welfare.danger import screen
from welfare.korea_time import kst_today

NO_SUCH_REQUEST = "conference.error.no_such_request"


@dataclass(frozen=True, slots=True)
class Asked:
    request: store.Request
    receipt_no: str
    coordinators: list[int]  # Telegram chats of the 시군구's coordinators (a PII-free notice)
    danger: tuple[str, ...] = ()


async def request_solution_meeting(work: Work, actor: Actor, case_id: int, request: str = "") -> Asked:
    """서식10 솔루션회의 의뢰: refused before any 통합사례회의 on the case (L8848), and while one
    request is still open."""
    require_role(actor, Action.REQUEST_SOLUTION_MEETING)
    record = await cases.load(work.db, work.conn, case_id, lock=True)
    if record is None:
        raise not_found(NO_SUCH_CASE)
    check(actor, Action.REQUEST_SOLUTION_MEETING, dong_code=record.dong_code, manager_id=record.manager_member_id)
    text = (request or "").strip()
    if len(text) > CONTENT_MAX:
        raise invalid("conference.error.too_long")
    if not await store.integrated_held(work.conn, record.id):
        raise conflict("conference.error.integrated_first")
    if await store.open_request_of_case(work.conn, record.id) is not None:
        raise conflict("conference.error.already_requested")
    asked = await store.create_request(work.conn, work.cipher, case_id=record.id, dong_code=record.dong_code,
                                       requested_by=actor.member_id, request=text, now=work.now)
    step = record.state.step.value
    await store.case_event(work.conn, record.id, step, actor.member_id, work.now, kst_today(work.now),
                           "request_solution_meeting", {"request": asked.id})
    danger = tuple(k.value for k in screen(text).kinds)
    await audit_trail.write(work, actor, "request_solution_meeting", f"solution_request:{asked.id}",
                            {"case": record.id, "danger": list(danger)})
    dong = work.directory.dong(record.dong_code)
    coordinators = await member_store.coordinators(work.conn, dong.sigungu_code if dong else None)
    return Asked(asked, record.receipt_no, [m.telegram_user_id for m in coordinators if m.telegram_user_id], danger)


async def solution_requests(work: Work, actor: Actor, *, open_only: bool = True) -> list[store.Request]:
    """The coordinator's list: the 시군구's requests (ids, 읍면동, dates; no personal data)."""
    dongs = visible_dongs(actor, Action.SCHEDULE_SOLUTION_MEETING)
    return await store.requests(work.conn, dongs, open_only=open_only) if dongs else []


async def schedule_solution_meeting(work: Work, actor: Actor, request_id: int, starts_at: datetime, *,
                                    invited_orgs: list[str] | None = None) -> store.Meeting:
    """The coordinator sets the 솔루션회의: the requesting worker and the invited organisations
    (its own included) are reminded the day before."""
    require_role(actor, Action.SCHEDULE_SOLUTION_MEETING)
    asked = await store.load_request(work.conn, request_id)
    if asked is None:
        raise not_found(NO_SUCH_REQUEST)
    check(actor, Action.SCHEDULE_SOLUTION_MEETING, dong_code=asked.dong_code, missing=NO_SUCH_REQUEST)
    if asked.state != "requested":
        raise conflict("conference.error.already_scheduled")
    orgs = sorted({*(invited_orgs or []), *([actor.org_code] if actor.org_code else [])})
    meeting = await _schedule(work, actor, asked.dong_code, [asked.case_id], starts_at,
                              kind=MeetingKind.SOLUTION.value, invited_orgs=orgs,
                              invited_members=[asked.requested_by] if asked.requested_by else [], title="",
                              previous_id=None)
    await store.request_scheduled(work.conn, asked.id, meeting.id)
    return meeting


async def request_text(work: Work, actor: Actor, request_id: int) -> str:
    """What the 읍면동 asked for (서식10 의뢰내용), for the coordinator scheduling it; audited."""
    require_role(actor, Action.SCHEDULE_SOLUTION_MEETING)
    asked = await store.load_request(work.conn, request_id)
    if asked is None:
        raise not_found(NO_SUCH_REQUEST)
    check(actor, Action.SCHEDULE_SOLUTION_MEETING, dong_code=asked.dong_code, missing=NO_SUCH_REQUEST)
    await audit_trail.write(work, actor, "read", f"solution_request:{asked.id}")
    return await store.request_text(work.conn, work.cipher, asked.id)
