"""Case conferences (사례회의, 서식4): record a meeting's minutes per case with the decisions
that link back to the case, read them (audited; an invited partner sees them stripped of
identifiers), and schedule the next one so its attendees are reminded the day before.

Decisions act on the case through the lifecycle's own guards: 대상자 선정 is what the selection
step needs (welfare/case_lifecycle.py `_selection_conference`) and moves a case waiting at
사례회의 개최 on to 선정; 종결 is the closing meeting (L8753, L9947–9949); 서비스 계획 확정 is
recorded on the case's history (L9063–9065). Every decision is a case event and the whole
record one audit entry, in the caller's transaction.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from core import audit_trail
from core.actor import Actor
from core.permissions import Action, check, may, require_role
from core.refusals import NO_SUCH_CASE, Refused, RefusalKind, conflict, invalid, not_found
from core.work import Work
from state import cases, consents, reports
from state import conferences as store
from state import members as member_store
from state import organisations as org_store
from welfare.case_lifecycle import CaseAction, CaseStep
from welfare.conferences import (
    CONTENT_MAX, MAX_ATTENDEES, MAX_CASES_PER_MEETING, NAME_MAX, REMIND_AT, ROLE_MAX, TITLE_MAX, Attendee,
    AttendeeKind, Decision, MeetingKind, held_on_ok, next_round, reminder_day, strip_identifiers, valid_decisions,
)
from welfare.danger import screen
from welfare.korea_time import kst_moment, kst_today, to_kst

NO_SUCH_MEETING = "conference.error.no_such_meeting"
# Where a decision may be taken, and the step it then takes on the case.
SELECTION_STEPS = (CaseStep.CASE_MEETING, CaseStep.SELECTION)


@dataclass(frozen=True, slots=True)
class CaseItem:
    """One case on a meeting's agenda: its minutes (서식4 ④ 회의 내용) and decisions (⑤)."""

    case_id: int
    content: str = ""
    decisions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Recorded:
    meeting: store.Meeting
    minutes: list[store.Minutes]
    danger: tuple[str, ...] = ()  # danger kinds found in the text (the worker is told what to do)
    next_meeting: store.Meeting | None = None


@dataclass(frozen=True, slots=True)
class MinutesView:
    """One case's minutes as its reader may see them. `external`: stripped for an invited partner."""

    minutes: store.Minutes
    kind: str
    title: str
    content: str
    agenda: str  # the case as the table sees it: receipt number and household type only
    attendees: list[dict] = field(default_factory=list)
    experts: list[dict] = field(default_factory=list)
    external: bool = False


def _text(value: str, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise invalid("conference.error.too_long")
    return value


def _attendees(raw: list[Attendee], orgs) -> list[Attendee]:
    if len(raw) > MAX_ATTENDEES:
        raise invalid("conference.error.too_many")
    for a in raw:
        if orgs.get(a.org) is None or len(a.role) > ROLE_MAX or len(a.name) > NAME_MAX:
            raise invalid("conference.error.attendee")
    return raw


def starts_at_utc(moment: datetime) -> datetime:
    """A meeting time as the store keeps it (naive UTC); a naive time given is Korean wall-clock
    time. A time at the calendar's very edge (no Korean day for it) is refused, not a crash."""
    try:
        at = kst_moment(moment.date(), moment.time()) if moment.tzinfo is None else \
            moment.astimezone(UTC).replace(tzinfo=None)
        to_kst(at).date() - timedelta(days=1)
    except (OverflowError, ValueError):
        raise invalid("conference.error.invalid") from None
    return at


async def record_conference(work: Work, actor: Actor, case_id: int, *, held_on: date | None = None,
                            kind: str = MeetingKind.INTEGRATED.value, title: str = "", content: str = "",
                            decisions: list[str] | tuple[str, ...] = (), attendees: list[Attendee] | None = None,
                            experts: list[Attendee] | None = None, next_meeting_at: datetime | None = None,
                            meeting_id: int | None = None, internal: list[int] | None = None) -> Recorded:
    """A short conference on one case (the case card's 🗓 사례회의)."""
    return await record_meeting(work, actor, [CaseItem(case_id, content, tuple(decisions))], held_on=held_on,
                                kind=kind, title=title, attendees=attendees or [], experts=experts or [],
                                next_meeting_at=next_meeting_at, meeting_id=meeting_id, internal=internal)


async def record_meeting(work: Work, actor: Actor, items: list[CaseItem], *, held_on: date | None = None,
                         kind: str = MeetingKind.INTEGRATED.value, title: str = "",
                         attendees: list[Attendee] | None = None, experts: list[Attendee] | None = None,
                         invited_orgs: list[str] | None = None, next_meeting_at: datetime | None = None,
                         meeting_id: int | None = None, internal: list[int] | None = None) -> Recorded:
    """One meeting, several cases, minutes kept per case (L8940). Every case must be one the
    actor may record for; a scheduled meeting (`meeting_id`) becomes held."""
    require_role(actor, Action.RECORD_CONFERENCE)
    if not items or len(items) > MAX_CASES_PER_MEETING or len({i.case_id for i in items}) != len(items):
        raise invalid("conference.error.cases")
    records = []
    for item in items:
        record = await cases.load(work.db, work.conn, item.case_id, lock=True)
        if record is None:
            raise not_found(NO_SUCH_CASE)
        check(actor, Action.RECORD_CONFERENCE, dong_code=record.dong_code, manager_id=record.manager_member_id)
        records.append(record)
    if len({r.dong_code for r in records}) != 1:
        raise invalid("conference.error.one_dong")  # one 읍면동's meeting; the 시군구's are 솔루션회의
    try:
        meeting_kind = MeetingKind(kind)
        chosen = [valid_decisions(i.decisions) for i in items]
    except ValueError:
        raise invalid("conference.error.invalid") from None
    today = kst_today(work.now)
    on = held_on or today
    if not held_on_ok(on, today):
        raise invalid("case.error.date_in_future")
    orgs = await org_store.read_organisations(work.conn)
    people = _attendees([*(attendees or []), *(experts or [])], orgs)
    invited = sorted({*(invited_orgs or []), *(a.org for a in people)})
    if any(orgs.get(code) is None for code in invited):
        raise invalid("referral.error.no_such_org")
    title = _text(title, TITLE_MAX)
    texts = [_text(i.content, CONTENT_MAX) for i in items]
    # Free text is screened like every other (welfare/danger.py): the kinds found are kept, not the text.
    danger = tuple(dict.fromkeys(k.value for t in (title, *texts) for k in screen(t).kinds))
    next_at = starts_at_utc(next_meeting_at) if next_meeting_at is not None else None
    dong = records[0].dong_code
    staff = await _internal(work, internal or [], dong)
    scheduled = await _scheduled(work, meeting_id, dong) if meeting_id else None
    assert actor.member_id is not None
    if scheduled is not None:
        meeting = await store.mark_held(work.conn, scheduled, on, invited, [r.id for r in records])
    else:
        meeting = await store.create_meeting(
            work.conn, work.cipher, kind=meeting_kind.value, dong_code=dong, state="held", held_on=on, starts_at=None,
            author_member_id=actor.member_id, author_org=actor.org_code or dong, title=title,
            experts=[e for e in people if e.kind is AttendeeKind.EXPERT], invited_orgs=invited,
            invited_members=sorted({actor.member_id, *staff}), case_ids=[r.id for r in records], previous_id=None, now=work.now)
    written = []
    for record, item, text, decided in zip(records, items, texts, chosen):
        minutes = await store.add_minutes(
            work.conn, work.cipher, meeting_id=meeting.id, case_id=record.id,
            round_no=next_round(await store.rounds_of(work.conn, record.id)), held_on=on, content=text,
            decisions=[d.value for d in decided], attendees=[a for a in people if a.kind is AttendeeKind.EXTERNAL],
            danger=list(danger), next_meeting_on=to_kst(next_at).date() if next_at else None,
            author_member_id=actor.member_id, now=work.now)
        await _decide(work, actor, record, meeting, minutes, decided, on)
        written.append(minutes)
    await audit_trail.write(work, actor, "record_conference", f"meeting:{meeting.id}", {
        "cases": [r.id for r in records], "kind": meeting_kind.value, "held_on": on.isoformat(),
        "decisions": {str(m.case_id): list(m.decisions) for m in written}, "orgs": invited, "danger": list(danger)})
    following = None
    if next_meeting_at is not None and may(actor, Action.SCHEDULE_CONFERENCE):
        following = await schedule_conference(work, actor, [r.id for r in records], next_meeting_at,
                                              kind=meeting_kind.value, invited_orgs=invited, previous_id=meeting.id)
    return Recorded(meeting, written, danger, following)


async def _internal(work: Work, member_ids: list[int], dong: str) -> list[int]:
    """서식4 ⑥ 내부 참석자: active staff of the 읍면동 team or of the 시군구 (never a partner's
    member: they attend as their organisation, ⑦)."""
    if len(member_ids) > MAX_ATTENDEES:
        raise invalid("conference.error.too_many")
    sigungu = (d.sigungu_code if (d := work.directory.dong(dong)) else None)
    for member_id in dict.fromkeys(member_ids):
        member = await member_store.member_by_id(work.conn, member_id)
        if member is None or member.org_code or not (member.dong_code == dong or member.sigungu_code == sigungu
                                                     and member.dong_code is None):
            raise invalid("conference.error.attendee")
    return list(dict.fromkeys(member_ids))


async def _scheduled(work: Work, meeting_id: int, dong: str) -> store.Meeting:
    meeting = await store.load_meeting(work.conn, meeting_id)
    if meeting is None or meeting.dong_code != dong:
        raise not_found(NO_SUCH_MEETING)
    if meeting.state != "scheduled":
        raise conflict("conference.error.already_held")
    return meeting


async def _decide(work: Work, actor: Actor, record: cases.CaseRecord, meeting: store.Meeting,
                  minutes: store.Minutes, decided: list[Decision], on: date) -> None:
    """Each decision on the case's history, and through the lifecycle where it moves the case."""
    assert actor.member is not None
    for decision in decided:
        step = record.state.step
        await store.case_event(work.conn, record.id, step.value, actor.member_id, work.now, on, "conference_decision",
                               {"meeting": meeting.id, "minutes": minutes.id, "decision": decision.value})
        if decision is Decision.SELECTION:
            if step not in SELECTION_STEPS:
                raise conflict("conference.error.selection_not_now")
            record = await cases.update_facts(work.conn, record, {"selection_conference_on": on.isoformat()}, work.now)
            if step is CaseStep.CASE_MEETING:
                record = await _apply(work, actor, record, CaseAction.HOLD_SELECTION_MEETING, on)
        elif decision is Decision.CLOSURE and step is CaseStep.CLOSURE:
            record = await _apply(work, actor, record, CaseAction.HOLD_CLOSING_MEETING, on)


async def _apply(work: Work, actor: Actor, record: cases.CaseRecord, action: CaseAction,
                 on: date) -> cases.CaseRecord:
    assert actor.member is not None
    try:
        return await cases.apply_action(work.db, work.conn, record, action.value, actor.member, work.now, on_date=on)
    except cases.CaseError as error:
        raise conflict(error.key) from None


@dataclass(frozen=True, slots=True)
class DialogOptions:
    case: cases.CaseRecord
    orgs: list[list[str]]  # [code, name]: those the consent names first, then the 시군구's others


async def dialog_options(work: Work, actor: Actor, case_id: int, limit: int = 12) -> DialogOptions:
    """What the 🗓 사례회의 dialog offers for a case the actor may record a conference on."""
    require_role(actor, Action.RECORD_CONFERENCE)
    record = await cases.load(work.db, work.conn, case_id)
    if record is None:
        raise not_found(NO_SUCH_CASE)
    check(actor, Action.RECORD_CONFERENCE, dong_code=record.dong_code, manager_id=record.manager_member_id)
    orgs = await org_store.read_organisations(work.conn)
    dong = work.directory.dong(record.dong_code)
    consent = await consents.current(work.conn, record.id)
    named = [o for o in orgs.all if consent is not None and consent.names(o.code)]
    local = [o for o in orgs.all if dong is not None and o.sigungu_code == dong.sigungu_code and o not in named]
    return DialogOptions(record, [[o.code, o.name] for o in [*named, *local][:limit]])


# -- reading ------------------------------------------------------------------------------------
async def read_minutes(work: Work, actor: Actor, case_id: int) -> list[MinutesView]:
    """A case's minutes, audited. Its 읍면동 team (and the 시군구) read them whole; a partner
    organisation invited to a meeting reads that meeting's minutes only, identifiers stripped
    (L8942–8944) and the content only where the case's consent names it. Anyone else is told
    the case does not exist, and the attempt is audited."""
    require_role(actor, Action.READ_CONFERENCES)
    record = await cases.load(work.db, work.conn, case_id)
    meetings = await store.meetings_of_case(work.conn, case_id) if record else []
    invited = {m.id for m in meetings if m.invites(actor.org_code)}
    try:
        if record is None:
            raise not_found(NO_SUCH_CASE)
        check(actor, Action.READ_CONFERENCES, dong_code=record.dong_code, invited=bool(invited))
    except Refused as refused:
        if actor.member is not None and refused.kind is RefusalKind.NOT_FOUND:
            raise await audit_trail.denied(work, actor, f"conferences:case:{case_id}", refused) from None
        raise
    whole = actor.may_see(record.dong_code)
    views = await _views(work, actor, record, [m for m in await store.minutes_of_case(work.conn, case_id)
                                               if whole or m.meeting_id in invited], external=not whole)
    await audit_trail.write(work, actor, "read", f"conferences:case:{record.id}",
                            {"minutes": [v.minutes.id for v in views], "external": not whole})
    return views


async def read_meeting(work: Work, actor: Actor, meeting_id: int) -> tuple[store.Meeting, list[MinutesView]]:
    """A meeting with each case's minutes (kept per case), for its attendees; audited."""
    require_role(actor, Action.READ_CONFERENCES)
    meeting = await store.load_meeting(work.conn, meeting_id)
    try:
        if meeting is None:
            raise not_found(NO_SUCH_MEETING)
        check(actor, Action.READ_CONFERENCES, dong_code=meeting.dong_code, invited=meeting.invites(actor.org_code),
              missing=NO_SUCH_MEETING)
    except Refused as refused:
        if actor.member is not None and refused.kind is RefusalKind.NOT_FOUND:
            raise await audit_trail.denied(work, actor, f"meeting:{meeting_id}", refused) from None
        raise
    whole = actor.may_see(meeting.dong_code)
    views = []
    for minutes in await store.minutes_of_meeting(work.conn, meeting.id):
        record = await cases.load(work.db, work.conn, minutes.case_id)
        if record is not None:
            views += await _views(work, actor, record, [minutes], external=not whole)
    await audit_trail.write(work, actor, "read", f"meeting:{meeting.id}",
                            {"minutes": [v.minutes.id for v in views], "external": not whole})
    return meeting, views


async def _views(work: Work, actor: Actor, record: cases.CaseRecord, found: list[store.Minutes], *,
                 external: bool) -> list[MinutesView]:
    full = await reports.read_full(work.conn, work.cipher, record.report_id)
    household = full.household if full else None
    agenda = f"{record.receipt_no} · {household or '-'}"
    known = [v for v in ((full.address, full.phone) if full else ()) if v]
    consent = await consents.current(work.conn, record.id) if external else None
    shares = consent is not None and consent.names(actor.org_code or "")
    views = []
    for minutes in found:
        meeting = await store.load_meeting(work.conn, minutes.meeting_id)
        title, experts = await store.meeting_texts(work.conn, work.cipher, minutes.meeting_id)
        content, names = await store.minutes_texts(work.conn, work.cipher, minutes.id)
        attendees = [dict(a) for a in minutes.attendees]
        if external:
            title = strip_identifiers(title, known)
            content = strip_identifiers(content, known) if shares else ""
            experts = [{"org": e.get("org", ""), "role": e.get("role", "")} for e in experts]
        else:
            for a, name in zip(attendees, names):
                a["name"] = name
        views.append(MinutesView(minutes, meeting.kind if meeting else "", title, content, agenda, attendees,
                                 experts, external))
    return views


# -- scheduling ---------------------------------------------------------------------------------
async def schedule_conference(work: Work, actor: Actor, case_ids: list[int], starts_at: datetime, *,
                              kind: str = MeetingKind.INTEGRATED.value, invited_orgs: list[str] | None = None,
                              invited_members: list[int] | None = None, title: str = "",
                              previous_id: int | None = None) -> store.Meeting:
    """The team leader sets the next meeting (서식4 ⑨); its attendees (the case managers, the
    members invited, the invited organisations' staff) are reminded privately the day before."""
    require_role(actor, Action.SCHEDULE_CONFERENCE)
    if not case_ids or len(case_ids) > MAX_CASES_PER_MEETING:
        raise invalid("conference.error.cases")
    records = []
    for case_id in dict.fromkeys(case_ids):
        record = await cases.load(work.db, work.conn, case_id)
        if record is None:
            raise not_found(NO_SUCH_CASE)
        check(actor, Action.SCHEDULE_CONFERENCE, dong_code=record.dong_code)
        records.append(record)
    if len({r.dong_code for r in records}) != 1:
        raise invalid("conference.error.one_dong")
    staff = await _internal(work, invited_members or [], records[0].dong_code)
    return await _schedule(work, actor, records[0].dong_code, [r.id for r in records], starts_at, kind=kind,
                           invited_orgs=invited_orgs or [], invited_members=[
                               *staff, *(r.manager_member_id for r in records if r.manager_member_id)],
                           title=title, previous_id=previous_id)


async def _schedule(work: Work, actor: Actor, dong: str, case_ids: list[int], starts_at: datetime, *, kind: str,
                    invited_orgs: list[str], invited_members: list[int], title: str,
                    previous_id: int | None) -> store.Meeting:
    at = starts_at_utc(starts_at)
    if at <= work.now:
        raise invalid("conference.error.in_past")
    try:
        MeetingKind(kind)
    except ValueError:
        raise invalid("conference.error.invalid") from None
    orgs = await org_store.read_organisations(work.conn)
    if any(orgs.get(code) is None for code in invited_orgs):
        raise invalid("referral.error.no_such_org")
    assert actor.member_id is not None
    meeting = await store.create_meeting(
        work.conn, work.cipher, kind=kind, dong_code=dong, state="scheduled", held_on=None, starts_at=at,
        author_member_id=actor.member_id, author_org=actor.org_code or dong, title=_text(title, TITLE_MAX), experts=[],
        invited_orgs=sorted(set(invited_orgs)), invited_members=sorted({actor.member_id, *invited_members}),
        case_ids=case_ids, previous_id=previous_id, now=work.now)
    due = max(kst_moment(reminder_day(to_kst(at).date()), REMIND_AT), work.now)
    await store.schedule_reminder(work.db, work.conn, meeting, due)
    await audit_trail.write(work, actor, "schedule_conference", f"meeting:{meeting.id}", {
        "cases": case_ids, "kind": kind, "at": at.isoformat(), "orgs": meeting.invited_orgs})
    return meeting


__all__ = ["CaseItem", "Recorded", "MinutesView", "record_conference", "record_meeting", "read_minutes",
           "read_meeting", "schedule_conference"]
