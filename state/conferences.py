"""Case conferences in the store: meetings (held or scheduled), each case's minutes, 솔루션회의
requests, and the reminder timers of a scheduled meeting. Who may is the core's question
(core/conferences.py); this only reads and writes, encrypting the free text."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from state import timers
from state.crypto import FieldCipher
from state.db import Database
from state.models import CaseEvent, ConferenceMinutes, MeetingRow, SolutionRequest
from welfare.conferences import Attendee, AttendeeKind

MT, MN, SR = MeetingRow.__table__, ConferenceMinutes.__table__, SolutionRequest.__table__


@dataclass(frozen=True, slots=True)
class Meeting:
    id: int
    kind: str
    dong_code: str
    state: str
    held_on: date | None
    starts_at: datetime | None  # naive UTC
    author_member_id: int | None
    author_org: str
    invited_orgs: tuple[str, ...]
    invited_members: tuple[int, ...]
    case_ids: tuple[int, ...]
    version: int
    previous_id: int | None

    def invites(self, org_code: str | None) -> bool:
        return org_code is not None and org_code in self.invited_orgs


@dataclass(frozen=True, slots=True)
class Minutes:
    id: int
    meeting_id: int
    case_id: int
    round: int
    held_on: date
    decisions: tuple[str, ...]
    attendees: tuple[dict[str, str], ...]
    danger: tuple[str, ...]
    next_meeting_on: date | None
    author_member_id: int | None


@dataclass(frozen=True, slots=True)
class Request:
    id: int
    case_id: int
    dong_code: str
    requested_by: int | None
    state: str
    meeting_id: int | None
    created_at: datetime


def _meeting(r: Any) -> Meeting:
    return Meeting(r.id, r.kind, r.dong_code, r.state, date.fromisoformat(r.held_on) if r.held_on else None,
                   r.starts_at, r.author_member_id, r.author_org, tuple(r.invited_orgs or ()),
                   tuple(r.invited_members or ()), tuple(r.case_ids or ()), r.version, r.previous_id)


def _minutes(r: Any) -> Minutes:
    return Minutes(r.id, r.meeting_id, r.case_id, r.round, date.fromisoformat(r.held_on), tuple(r.decisions or ()),
                   tuple(r.attendees or ()), tuple(r.danger or ()),
                   date.fromisoformat(r.next_meeting_on) if r.next_meeting_on else None, r.author_member_id)


def _request(r: Any) -> Request:
    return Request(r.id, r.case_id, r.dong_code, r.requested_by, r.state, r.meeting_id, r.created_at)


async def create_meeting(conn: AsyncConnection, cipher: FieldCipher, *, kind: str, dong_code: str, state: str,
                         held_on: date | None, starts_at: datetime | None, author_member_id: int | None,
                         author_org: str, title: str, experts: list[Attendee], invited_orgs: list[str],
                         invited_members: list[int], case_ids: list[int], previous_id: int | None,
                         now: datetime) -> Meeting:
    names = [{"org": e.org, "role": e.role, "name": e.name} for e in experts]
    meeting_id = (await conn.execute(insert(MT).returning(MT.c.id).values(
        kind=kind, dong_code=dong_code, state=state, held_on=held_on.isoformat() if held_on else None,
        starts_at=starts_at, author_member_id=author_member_id, author_org=author_org,
        title_enc=cipher.encrypt(title or None, "meetings.title"),
        experts_enc=cipher.encrypt(json.dumps(names, ensure_ascii=False) if names else None, "meetings.experts"),
        invited_orgs=invited_orgs, invited_members=invited_members, case_ids=case_ids, previous_id=previous_id,
        version=1, created_at=now))).scalar_one()
    found = await load_meeting(conn, meeting_id)
    assert found is not None
    return found


async def load_meeting(conn: AsyncConnection, meeting_id: int) -> Meeting | None:
    row = (await conn.execute(select(MT).where(MT.c.id == meeting_id))).first()
    return _meeting(row) if row else None


async def mark_held(conn: AsyncConnection, meeting: Meeting, held_on: date, invited_orgs: list[str],
                    case_ids: list[int]) -> Meeting:
    """A scheduled meeting took place (with whoever came, on whichever cases): its reminders,
    made for the version before, no longer fire."""
    orgs = sorted({*meeting.invited_orgs, *invited_orgs})
    agenda = list(dict.fromkeys([*meeting.case_ids, *case_ids]))
    await conn.execute(update(MT).where(MT.c.id == meeting.id).values(
        state="held", held_on=held_on.isoformat(), version=meeting.version + 1, invited_orgs=orgs, case_ids=agenda))
    found = await load_meeting(conn, meeting.id)
    assert found is not None
    return found


async def meeting_texts(conn: AsyncConnection, cipher: FieldCipher, meeting_id: int) -> tuple[str, list[dict]]:
    row = (await conn.execute(select(MT.c.title_enc, MT.c.experts_enc).where(MT.c.id == meeting_id))).first()
    if row is None:
        return "", []
    experts = cipher.decrypt(row.experts_enc, "meetings.experts")
    return cipher.decrypt(row.title_enc, "meetings.title") or "", json.loads(experts) if experts else []


async def rounds_of(conn: AsyncConnection, case_id: int) -> list[int]:
    return [r for (r,) in await conn.execute(select(MN.c.round).where(MN.c.case_id == case_id))]


async def add_minutes(conn: AsyncConnection, cipher: FieldCipher, *, meeting_id: int, case_id: int, round_no: int,
                      held_on: date, content: str, decisions: list[str], attendees: list[Attendee],
                      danger: list[str], next_meeting_on: date | None, author_member_id: int | None,
                      now: datetime) -> Minutes:
    coded = [{"org": a.org, "role": a.role, "kind": a.kind.value} for a in attendees]
    names = [a.name for a in attendees]
    minutes_id = (await conn.execute(insert(MN).returning(MN.c.id).values(
        meeting_id=meeting_id, case_id=case_id, round=round_no, held_on=held_on.isoformat(),
        content_enc=cipher.encrypt(content or None, "minutes.content"), decisions=decisions, attendees=coded,
        attendee_names_enc=cipher.encrypt(json.dumps(names, ensure_ascii=False), "minutes.names") if any(names) else None,
        danger=danger, next_meeting_on=next_meeting_on.isoformat() if next_meeting_on else None,
        author_member_id=author_member_id, created_at=now))).scalar_one()
    row = (await conn.execute(select(MN).where(MN.c.id == minutes_id))).first()
    return _minutes(row)


async def minutes_of_case(conn: AsyncConnection, case_id: int) -> list[Minutes]:
    rows = await conn.execute(select(MN).where(MN.c.case_id == case_id).order_by(MN.c.round, MN.c.id))
    return [_minutes(r) for r in rows]


async def minutes_of_meeting(conn: AsyncConnection, meeting_id: int) -> list[Minutes]:
    rows = await conn.execute(select(MN).where(MN.c.meeting_id == meeting_id).order_by(MN.c.id))
    return [_minutes(r) for r in rows]


async def minutes_texts(conn: AsyncConnection, cipher: FieldCipher, minutes_id: int) -> tuple[str, list[str]]:
    row = (await conn.execute(select(MN.c.content_enc, MN.c.attendee_names_enc).where(MN.c.id == minutes_id))).first()
    if row is None:
        return "", []
    names = cipher.decrypt(row.attendee_names_enc, "minutes.names")
    return cipher.decrypt(row.content_enc, "minutes.content") or "", json.loads(names) if names else []


async def meetings_of_case(conn: AsyncConnection, case_id: int) -> list[Meeting]:
    """Every meeting whose agenda holds the case (JSON lists are searched in Python: a case has few)."""
    ids = [m for (m,) in await conn.execute(select(MN.c.meeting_id).where(MN.c.case_id == case_id))]
    scheduled = await conn.execute(select(MT).where(MT.c.state == "scheduled"))
    found = {m.id: m for m in (_meeting(r) for r in scheduled) if case_id in m.case_ids}
    if ids:
        found |= {m.id: m for m in (_meeting(r) for r in await conn.execute(select(MT).where(MT.c.id.in_(ids))))}
    return sorted(found.values(), key=lambda m: m.id)


async def schedule_reminder(db: Database, conn: AsyncConnection, meeting: Meeting, due_at: datetime) -> None:
    await timers.schedule(db, conn, kind=timers.TimerKind.CONFERENCE_SOON, subject=f"meeting:{meeting.id}",
                          version=meeting.version, due_at=due_at)


# -- 솔루션회의 requests (서식10) ------------------------------------------------------------------
async def create_request(conn: AsyncConnection, cipher: FieldCipher, *, case_id: int, dong_code: str,
                         requested_by: int | None, request: str, now: datetime) -> Request:
    request_id = (await conn.execute(insert(SR).returning(SR.c.id).values(
        case_id=case_id, dong_code=dong_code, requested_by=requested_by,
        request_enc=cipher.encrypt(request or None, "solution.request"), state="requested",
        created_at=now))).scalar_one()
    found = await load_request(conn, request_id)
    assert found is not None
    return found


async def load_request(conn: AsyncConnection, request_id: int) -> Request | None:
    row = (await conn.execute(select(SR).where(SR.c.id == request_id))).first()
    return _request(row) if row else None


async def open_request_of_case(conn: AsyncConnection, case_id: int) -> Request | None:
    row = (await conn.execute(select(SR).where(SR.c.case_id == case_id, SR.c.state == "requested"))).first()
    return _request(row) if row else None


async def requests(conn: AsyncConnection, dong_codes: list[str], *, open_only: bool = True,
                   limit: int = 200) -> list[Request]:
    query = select(SR).where(SR.c.dong_code.in_(dong_codes)).order_by(SR.c.id).limit(limit)
    if open_only:
        query = query.where(SR.c.state == "requested")
    return [_request(r) for r in await conn.execute(query)]


async def request_scheduled(conn: AsyncConnection, request_id: int, meeting_id: int) -> None:
    await conn.execute(update(SR).where(SR.c.id == request_id).values(state="scheduled", meeting_id=meeting_id))


async def integrated_held(conn: AsyncConnection, case_id: int) -> int:
    """How many 통합사례회의 discussed the case (a 솔루션회의 comes after at least one, L8848)."""
    query = select(func.count()).select_from(MN.join(MT, MT.c.id == MN.c.meeting_id)).where(
        MN.c.case_id == case_id, MT.c.kind == "integrated")
    return (await conn.execute(query)).scalar_one()


async def case_event(conn: AsyncConnection, case_id: int, step: str, actor_id: int | None, now: datetime, on: date,
                     action: str, detail: dict[str, Any]) -> None:
    """A conference's decision (or a 솔루션회의 request) in the case's history: codes, never text."""
    await conn.execute(insert(CaseEvent.__table__).values(
        case_id=case_id, at=now, on_date=on.isoformat(), actor_member_id=actor_id, action=action, from_step=step,
        to_step=step, detail=detail))


__all__ = ["Meeting", "Minutes", "Request", "AttendeeKind"]


async def request_text(conn: AsyncConnection, cipher: FieldCipher, request_id: int) -> str:
    row = (await conn.execute(select(SR.c.request_enc).where(SR.c.id == request_id))).first()
    return (cipher.decrypt(row.request_enc, "solution.request") or "") if row else ""
